"""The CPU's convolution without im2col: all three passes on the register-blocked kernel of
kernels/cpu/direct_conv.py, for float32 and unit column stride.

im2col writes 25x the input for 5x5 kernels (82 MB for cifar10_quick's conv2 at batch 100) and
every product then streams it from memory; here the kernel reads the padded input in place and
keeps a block of 6 x 16 results in registers. What each pass needs:
- forward: any row stride and dilation, the column stride 1;
- weight gradient: any geometry (a block is 6 taps x 16 output channels, the taps' inputs read
  one by one);
- input gradient, two forms: with unit strides and pad <= dilation * (kernel - 1) it is the
  forward convolution of the padded top gradient with the flipped weights, one product per input
  position and long sums (M * kh * kw); taken when the input has at most 1.5x the output's
  positions. Otherwise (LeNet's unpadded conv2, 12x12 in and 8x8 out; row strides) the scatter
  form: one product per output position, as the batch path's product and col2im, in one pass.
What does not qualify runs the batch im2col path (convolution.py), the reference the tests compare
this with.
"""

import numba
import numpy as np

from pyrpudl.kernels.cpu import direct_conv as dc


class DirectConvolution:
    def __init__(self, layer, bottom_shape):
        self.layer = layer
        w = layer.window
        _, c, h, width = bottom_shape
        self.channels = c
        self.hp, self.wp = h + 2 * w.ph, width + 2 * w.pw
        self.forward_ok = w.sw == 1
        self.pad_h, self.pad_w = w.dh * (w.kh - 1) - w.ph, w.dw * (w.kw - 1) - w.pw
        _, _, oh, ow = layer.top_shapes[0]
        # as a convolution the input gradient costs one product per input position, where the
        # scatter form costs one per output position: worth it unless the output is much smaller
        self.flipped_ok = (
            w.sh == 1 and w.sw == 1 and self.pad_h >= 0 and self.pad_w >= 0 and h * width <= 1.5 * oh * ow
        )
        self.scatter = dc.scatter_geometry(oh, ow, h, width, w.kh, w.kw, w.ph, w.pw, w.sh, w.dh, w.dw)
        oh2, ow8, hb, wb = self.scatter
        self.scatter_targets = dc.scatter_targets(c // layer.group, hb, wb, w.kh, w.kw, w.dh, w.dw)
        self.scatter_order = dc.scatter_tap_order(c // layer.group, w.kh, w.kw)
        self.scatter_channels = np.arange(layer.per_group, dtype=np.int64) * (oh2 * ow8)
        self.offsets = dc.tap_offsets(c // layer.group, self.hp, self.wp, w.kh, w.kw, w.dh, w.dw)
        self.oh, self.ow = oh, ow
        self._positions = {}  # batch size -> offsets of every output position of the batch
        self.diff_hp, self.diff_wp = oh + 2 * self.pad_h, ow + 2 * self.pad_w
        self.diff_offsets = dc.tap_offsets(
            layer.per_group, self.diff_hp, self.diff_wp, w.kh, w.kw, w.dh, w.dw
        )
        self.outputs = layer.per_group * layer.group
        self._padded_of = None  # the bottom whose padded copy the "padded" buffer holds

    def applies(self, dtype) -> bool:
        """Whether these kernels take the layer's passes for data of ``dtype``."""
        return self.forward_ok and dtype == np.float32

    def _weights(self):
        """(M, Cg * kh * kw): the layer's weights, a view."""
        return self.layer.backend.view(self.layer.params[0], (self.outputs, self.layer.rows))

    def _pad(self, image, fresh: bool):
        """The padded copy of ``image``; made again unless ``fresh`` is False and it is this
        bottom's (the backward pass after its own forward)."""
        w = self.layer.window
        padded = self.layer.buffer("padded", (image.shape[0] * self.channels * self.hp * self.wp + dc.SLACK,))
        if fresh or self._padded_of is not image:
            dc.pad_batch(padded, image, w.ph, w.pw)
            self._padded_of = image
        return padded

    def forward(self, image, out) -> None:
        layer = self.layer
        padded = self._pad(image, fresh=True)
        packed = dc.pack_weights(self._weights(), layer.group)
        bias = layer.params[1] if layer.bias else padded[:1]  # any array when there is no bias
        dc.forward(
            out,
            padded,
            packed,
            self.offsets,
            bias,
            layer.bias,
            self.channels,
            self.hp,
            self.wp,
            layer.window.sh,
        )

    def weight_gradient(self, image, top_diff, weights=True, bias=True) -> None:
        """The gradients of the weights and the bias (each when asked: not for lr_mult 0)."""
        layer, w = self.layer, self.layer.window
        n = image.shape[0]
        diff = top_diff.reshape(n, self.outputs, -1)
        if not weights:
            if layer.bias and bias:
                np.sum(diff, axis=(0, 2), out=layer.grads[1])
            return
        padded = self._pad(image, fresh=False)
        panels = -(-layer.per_group // dc.WIDTH)
        packed = layer.buffer("packed_diff", (layer.group, panels, n, diff.shape[2], dc.WIDTH))
        sums = layer.buffer("diff_sums", (n, self.outputs))
        dc.pack_positions_major(packed, sums, diff)
        positions = self._positions.get(n)
        if positions is None:
            positions = self._positions[n] = dc.position_offsets(
                n, self.channels, self.hp, self.wp, self.oh, self.ow, w.sh, w.sw
            )
        grad = layer.backend.view(layer.grads[0], (self.outputs, layer.rows))
        dc.weight_gradient(
            grad, padded, packed, positions, self.offsets, self.channels, self.hp, self.wp,
            numba.get_num_threads(),
        )  # fmt: skip
        if layer.bias and bias:
            np.sum(sums, axis=0, out=layer.grads[1])

    def input_gradient(self, top_diff, image_diff) -> None:
        if self.flipped_ok:
            self._flipped_input_gradient(top_diff, image_diff)
        else:
            self._scatter_input_gradient(top_diff, image_diff)

    def _flipped_input_gradient(self, top_diff, image_diff) -> None:
        layer, w = self.layer, self.layer.window
        n = top_diff.shape[0]
        padded = layer.buffer("padded_diff", (n * self.outputs * self.diff_hp * self.diff_wp + dc.SLACK,))
        dc.pad_batch(padded, top_diff, self.pad_h, self.pad_w)
        weights = self._weights().reshape(self.outputs, self.channels // layer.group, w.kh, w.kw)
        flipped = dc.flipped_weights(weights, layer.group)
        packed = dc.pack_weights(flipped.reshape(self.channels, -1), layer.group)
        dc.forward(
            image_diff, padded, packed, self.diff_offsets, padded[:1], False, self.outputs,
            self.diff_hp, self.diff_wp, 1,
        )  # fmt: skip

    def _scatter_input_gradient(self, top_diff, image_diff) -> None:
        layer, w = self.layer, self.layer.window
        n = top_diff.shape[0]
        oh2, ow8, hb, wb = self.scatter
        widened = layer.buffer("widened_diff", (n * self.outputs * oh2 * ow8,))
        dc.widen_rows(widened, top_diff, oh2, ow8)
        # each group's weights transposed: taps as rows, the sums over its output channels
        per_group, taps = layer.per_group, layer.rows
        transposed = self._weights().reshape(layer.group, per_group, taps)[:, :, self.scatter_order]
        transposed = transposed.transpose(0, 2, 1)
        packed = dc.pack_weights(transposed.reshape(layer.group * taps, per_group), layer.group)
        sums = layer.buffer("scatter_sums", (n * self.channels * hb * wb,))
        dc.input_gradient_scatter(
            image_diff, sums, widened, packed, self.scatter_channels, self.scatter_targets,
            oh2, ow8, hb, wb, w.ph, w.pw, w.sh,
        )  # fmt: skip
