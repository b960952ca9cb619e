"""Convolution (Caffe's cross-correlation) with padding, stride, dilation, groups and bias.

Each image becomes a column matrix (im2col), so the convolution is one matrix product per image
and group; the backward pass uses the same columns for the weight gradient and col2im for the
input gradient.
"""

import numpy as np

from pyrpudl.kernels.cpu.im2col import col2im, im2col
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import conv_window


@register
class Convolution(Layer):
    type_name = "Convolution"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        self.window = conv_window(spec)
        self.group = spec.convolution_param.group
        self.bias = spec.convolution_param.bias_term
        self.columns = None  # kept from forward for backward
        self.column_diff = (
            None  # reused: a fresh 80 MB array per step costs more in page faults than the GEMM
        )

    def _im2col(self, image: np.ndarray) -> np.ndarray:
        n, channels = image.shape[:2]
        w = self.window
        positions = self.top_shapes[0][2] * self.top_shapes[0][3]
        if self.columns is None or self.columns.shape[0] != n or self.columns.dtype != image.dtype:
            self.columns = np.empty((n, channels * w.kh * w.kw, positions), dtype=image.dtype)
        im2col(self.columns, np.ascontiguousarray(image), w.kh, w.kw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw)
        return self.columns

    def _grouped(self, weights: np.ndarray) -> np.ndarray:
        """Weights as (group, outputs per group, rows per group)."""
        return weights.reshape(self.group, weights.shape[0] // self.group, -1)

    def forward(self, bottoms, train):
        image = bottoms[0]
        n = image.shape[0]
        columns = self._im2col(image)
        weights = self._grouped(self.params[0])
        grouped = columns.reshape(n, self.group, -1, columns.shape[2])
        out = np.matmul(weights[None], grouped)  # (n, group, outputs per group, positions)
        out = out.reshape(n, -1, columns.shape[2])
        if self.bias:
            out += self.params[1][None, :, None]
        return [out.reshape(n, *self.top_shapes[0][1:])]

    def backward(self, top_diffs, bottoms, tops):
        image = bottoms[0]
        n = image.shape[0]
        w = self.window
        columns = self.columns  # from the forward pass of these bottoms
        grouped_cols = columns.reshape(n, self.group, -1, columns.shape[2])
        diff = top_diffs[0].reshape(n, self.group, -1, columns.shape[2])
        # one BLAS product per image (and group), then the sum over the batch
        weight_grad = np.matmul(diff, grouped_cols.swapaxes(-1, -2)).sum(axis=0)
        self.grads[0][...] = weight_grad.reshape(self.grads[0].shape)
        if self.bias:
            self.grads[1][...] = top_diffs[0].sum(axis=(0, 2, 3))
        if not self.propagate_down[0]:
            return [None]  # the input is data: skip col2im, the costliest step
        weights = self._grouped(self.params[0])
        if self.column_diff is None or self.column_diff.shape != columns.shape:
            self.column_diff = np.empty_like(columns)
        grouped_diff = self.column_diff.reshape(n, self.group, -1, columns.shape[2])
        np.matmul(weights.transpose(0, 2, 1)[None], diff, out=grouped_diff)
        image_diff = np.empty_like(image)
        col2im(image_diff, self.column_diff, w.kh, w.kw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw)
        return [image_diff]
