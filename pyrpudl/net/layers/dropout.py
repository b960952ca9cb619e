"""Dropout, inverted as in Caffe: at training time kept units are scaled by 1 / (1 - ratio), so
testing needs no change.

The mask comes from a counter-based hash of (net seed, layer index, iteration, element): the same
bits on the CPU and on CUDA, and a resumed run draws what an uninterrupted one would.
"""

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register


@register
class Dropout(Layer):
    type_name = "Dropout"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.ratio = spec.dropout_param.dropout_ratio
        if not 0 <= self.ratio < 1:
            raise InputError(f"layer {spec.name!r}: dropout_ratio must be in [0, 1), not {self.ratio}")
        self.keys = (0, 0, 0)  # (seed, layer index, iteration): set by Net.reseed
        self.masked = False

    def forward(self, bottoms, train):
        x = bottoms[0]
        self.masked = train
        if not train:
            return [x]
        out = self.buffer("top", x.shape, x.dtype)
        mask = self.buffer("mask", x.shape, x.dtype)
        self.ops.dropout_forward(self.flat(out), self.flat(mask), self.flat(x), self.ratio, *self.keys)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        if not self.masked:
            return [top_diffs[0]]
        dx = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        self.ops.multiply(self.flat(dx), self.flat(top_diffs[0]), self.flat(self._buffers["mask"]))
        return [dx]
