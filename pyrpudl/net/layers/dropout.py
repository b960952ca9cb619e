"""Dropout, inverted as in Caffe: at training time kept units are scaled by 1 / (1 - ratio), so
testing needs no change."""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register


@register
class Dropout(Layer):
    type_name = "Dropout"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), rng=None):
        super().__init__(spec, bottom_shapes, params, grads)
        self.ratio = spec.dropout_param.dropout_ratio
        if not 0 <= self.ratio < 1:
            raise InputError(f"layer {spec.name!r}: dropout_ratio must be in [0, 1), not {self.ratio}")
        self.rng = rng or np.random.default_rng(0)
        self.mask = None

    def forward(self, bottoms, train):
        x = bottoms[0]
        if not train:
            self.mask = None
            return [x]
        self.mask = (self.rng.random(x.shape) >= self.ratio).astype(x.dtype) / x.dtype.type(1 - self.ratio)
        return [x * self.mask]

    def backward(self, top_diffs, bottoms, tops):
        return [top_diffs[0] if self.mask is None else top_diffs[0] * self.mask]
