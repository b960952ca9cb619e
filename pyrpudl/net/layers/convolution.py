"""Convolution (Caffe's cross-correlation) with padding, stride, dilation, groups and bias.

The batch becomes one column matrix (im2col, rows = input channel x kernel position, columns =
image x output position), so each pass is one large matrix product per group: forward
W @ col, weight gradient diff @ col^T, input gradient col2im(W^T @ diff).
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
        self.positions = self.top_shapes[0][2] * self.top_shapes[0][3]
        self.columns = None  # kept from forward for backward
        self.column_diff = None  # reused: fresh 80 MB arrays each step cost more in page faults than the GEMM

    @staticmethod
    def _reuse(current: np.ndarray | None, shape: tuple[int, ...], dtype) -> np.ndarray:
        """``current`` if it has this shape and dtype, else a new array (reused across steps)."""
        if current is not None and current.shape == shape and current.dtype == dtype:
            return current
        return np.empty(shape, dtype=dtype)

    def _weights(self) -> np.ndarray:
        """(group, outputs per group, rows per group)."""
        return self.params[0].reshape(self.group, self.params[0].shape[0] // self.group, -1)

    def forward(self, bottoms, train):
        image = np.ascontiguousarray(bottoms[0])
        n, channels = image.shape[:2]
        w = self.window
        shape = (channels * w.kh * w.kw, n * self.positions)
        self.columns = self._reuse(self.columns, shape, image.dtype)
        im2col(self.columns, image, w.kh, w.kw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw)
        weights = self._weights()
        rows = shape[0] // self.group
        wide = np.empty((self.params[0].shape[0], shape[1]), dtype=image.dtype)
        per_group = wide.shape[0] // self.group
        for g in range(self.group):
            np.matmul(
                weights[g],
                self.columns[g * rows : (g + 1) * rows],
                out=wide[g * per_group : (g + 1) * per_group],
            )
        if self.bias:
            wide += self.params[1][:, None]
        # (outputs, images x positions) -> (images, outputs, height, width)
        out = wide.reshape(-1, n, self.positions).transpose(1, 0, 2)
        return [np.ascontiguousarray(out).reshape(n, *self.top_shapes[0][1:])]

    def backward(self, top_diffs, bottoms, tops):
        image = bottoms[0]
        n = image.shape[0]
        w = self.window
        columns = self.columns  # from the forward pass of these bottoms
        outputs = self.params[0].shape[0]
        diff = np.ascontiguousarray(top_diffs[0].reshape(n, outputs, self.positions).transpose(1, 0, 2))
        diff = diff.reshape(outputs, n * self.positions)
        rows, per_group = columns.shape[0] // self.group, outputs // self.group
        weight_grad = self.grads[0].reshape(self.group, per_group, rows)
        for g in range(self.group):
            np.matmul(
                diff[g * per_group : (g + 1) * per_group],
                columns[g * rows : (g + 1) * rows].T,
                out=weight_grad[g],
            )
        if self.bias:
            self.grads[1][...] = diff.sum(axis=1)
        if not self.propagate_down[0]:
            return [None]  # the input is data: skip col2im, the costliest step
        self.column_diff = self._reuse(self.column_diff, columns.shape, columns.dtype)
        weights = self._weights()
        for g in range(self.group):
            np.matmul(
                weights[g].T,
                diff[g * per_group : (g + 1) * per_group],
                out=self.column_diff[g * rows : (g + 1) * rows],
            )
        image_diff = np.empty_like(image)
        col2im(image_diff, self.column_diff, w.kh, w.kw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw)
        return [image_diff]
