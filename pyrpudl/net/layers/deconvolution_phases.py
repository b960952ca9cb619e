"""The CPU's Deconvolution without a column matrix: each pass a stride-1 convolution on the
register-blocked kernel of kernels/cpu/direct_conv.py, the strides taken by splitting the image
into its phases (kernels/cpu/phase_deconv.py explains the geometry). For float32, no dilation and
kernels larger than their strides; the rest runs the column path (deconvolution.py), the
reference the tests compare this with.

- forward: the padded input convolved into O·sh·sw phase planes, interleaved into the output;
- input gradient: the top gradient split into its phases (O·sh·sw channels), convolved back to
  the input's C channels;
- weight gradient: that convolution's weight gradient (input x split top gradient), folded back
  into Caffe's (C, O / group, kh, kw), and the bias gradient from the split's sums.
"""

import numba
import numpy as np

from pyrpudl.kernels.cpu import direct_conv as dc
from pyrpudl.kernels.cpu import phase_deconv as pd


class PhaseDeconvolution:
    def __init__(self, layer, bottom_shape):
        self.layer = layer
        kh, kw, ph, pw, sh, sw, dh, dw = layer.window_args
        _, c, h, w = bottom_shape
        self.undilated = dh == 1 and dw == 1
        # the columns hold kh·kw / (sh·sw) times the output: without that overhead (a kernel no
        # larger than its stride, 2 x 2 stride 2 say) BLAS on the columns is the faster path
        self.saves_columns = kh * kw > sh * sw
        self.rows, self.cols = pd.PhaseAxis(h, kh, sh, ph), pd.PhaseAxis(w, kw, sw, pw)
        self.strides = (sh, sw)
        self.taps = (self.rows.taps, self.cols.taps)
        self.channels, self.outputs, self.group = c, layer.outputs, layer.group
        self.phase_channels = self.outputs * sh * sw
        cg, og = c // self.group, self.outputs // self.group
        th, tw = self.taps
        # the forward convolution reads the padded input; the input gradient's reads the split
        self.hp, self.wp = h + 2 * self.rows.input_pad, w + 2 * self.cols.input_pad
        self.forward_offsets = dc.tap_offsets(cg, self.hp, self.wp, th, tw, 1, 1)
        self.split_offsets = dc.tap_offsets(og * sh * sw, self.rows.split, self.cols.split, th, tw, 1, 1)
        self._positions = {}  # batch size -> the weight gradient's position offsets

    def applies(self, dtype) -> bool:
        return self.undilated and self.saves_columns and dtype == np.float32

    def _weights(self):
        return self.layer.params[0].reshape(
            self.channels, self.outputs // self.group, *self.layer.window_args[:2]
        )

    def forward(self, image, out) -> None:
        layer, (sh, sw), (th, tw) = self.layer, self.strides, self.taps
        n = image.shape[0]
        padded = layer.buffer("padded", (n * self.channels * self.hp * self.wp + dc.SLACK,))
        dc.pad_batch(padded, image, self.rows.input_pad, self.cols.input_pad)
        weights = pd.forward_weights(self._weights(), self.group, sh, sw, th, tw)
        planes = layer.buffer("planes", (n, self.phase_channels, self.rows.planes, self.cols.planes))
        dc.forward(
            planes, padded, dc.pack_weights(weights, self.group), self.forward_offsets, padded[:1], False,
            self.channels, self.hp, self.wp, 1,
        )  # fmt: skip
        bias = layer.params[1] if layer.bias else padded[:1]  # any array when there is no bias
        pd.phases_to_image(
            out, planes.reshape(n, self.outputs, sh, sw, self.rows.planes, self.cols.planes), bias,
            layer.bias, sh, sw, self.rows.pad, self.cols.pad, self.rows.origin, self.cols.origin,
        )  # fmt: skip

    def split(self, top_diff):
        """The top gradient in its phases: flat (N, O·sh·sw, rows, cols) plus slack, and (N, O)
        sums."""
        layer, (sh, sw) = self.layer, self.strides
        n = top_diff.shape[0]
        rows, cols = self.rows.split, self.cols.split
        split = layer.buffer("split_diff", (n * self.phase_channels * rows * cols + dc.SLACK,))
        sums = layer.buffer("split_sums", (n, self.outputs))
        pd.image_to_phases(split, sums, top_diff, sh, sw, self.rows.pad, self.cols.pad, rows, cols, dc.SLACK)
        return split, sums

    def weight_gradient(self, image, split, sums, weights=True, bias=True) -> None:
        """The gradients of the weights and the bias (each when asked: not for lr_mult 0)."""
        layer, (sh, sw), (th, tw) = self.layer, self.strides, self.taps
        if layer.bias and bias:
            np.sum(sums, axis=0, out=layer.grads[1])
        if not weights:
            return
        n = image.shape[0]
        rows, cols = self.rows.split, self.cols.split
        positions = image.shape[2] * image.shape[3]
        panels = -(-(self.channels // self.group) // dc.WIDTH)
        packed = layer.buffer("packed_image", (self.group, panels, n, positions, dc.WIDTH))
        image_sums = layer.buffer("image_sums", (n, self.channels))
        dc.pack_positions_major(packed, image_sums, image.reshape(n, self.channels, positions))
        offsets = self._positions.get(n)
        if offsets is None:
            offsets = self._positions[n] = dc.position_offsets(
                n, self.phase_channels, rows, cols, image.shape[2], image.shape[3], 1, 1
            )
        grad = layer.buffer("phase_grad", (self.channels, self.split_offsets.size))
        dc.weight_gradient(
            grad, split, packed, offsets, self.split_offsets, self.phase_channels, rows, cols,
            numba.get_num_threads(),
        )  # fmt: skip
        shape = self._weights().shape
        layer.grads[0].reshape(shape)[...] = pd.weight_gradient_back(grad, shape, sh, sw, th, tw)

    def input_gradient(self, split, image_diff) -> None:
        (sh, sw), (th, tw) = self.strides, self.taps
        weights = pd.backward_weights(self._weights(), sh, sw, th, tw)
        dc.forward(
            image_diff, split, dc.pack_weights(weights, self.group), self.split_offsets, split[:1], False,
            self.phase_channels, self.rows.split, self.cols.split, 1,
        )  # fmt: skip
