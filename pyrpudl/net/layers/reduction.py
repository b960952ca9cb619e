"""Caffe's Reduction and Tile, built on existing ops (so both run on both devices).

Reduction: the axes from ``axis`` on reduced to one value, coeff times their SUM, ASUM (sum of
absolute values), SUMSQ (sum of squares) or MEAN; axis 0 leaves one value for the whole blob (a
loss, with a loss_weight). Tile: the block from ``axis`` on repeated ``tiles`` times.
"""

import math

import numpy as np

from pyrpudl.kernels import neuron_codes as codes
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.proto import rpudl_model_pb2 as pb

_OPS = pb.ReductionParameter


@register
class Reduction(Layer):
    type_name = "Reduction"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.axis = len(self.top_shapes[0])
        self.operation = spec.reduction_param.operation

    def _rows(self, x):
        """x as (kept values, reduced values), and coeff for the reduced count (MEAN is the SUM
        divided by it: Caffe divides coeff so)."""
        outer = math.prod(x.shape[: self.axis])
        size = x.size // outer
        coeff = self.spec.reduction_param.coeff
        return self.backend.view(x, (outer, size)), coeff / size if self.operation == _OPS.MEAN else coeff

    def forward(self, bottoms, train):
        x, coeff = self._rows(bottoms[0])
        terms = x
        if self.operation in (_OPS.ASUM, _OPS.SUMSQ):
            terms = self.buffer("terms", x.shape, x.dtype)
            if self.operation == _OPS.ASUM:
                self.ops.neuron_forward(self.flat(terms), self.flat(x), codes.ABSVAL, 0.0, 0.0, 0.0)
            else:
                self.ops.multiply(self.flat(terms), self.flat(x), self.flat(x))
        out = self.buffer("top", x.shape[:1], x.dtype)
        self.ops.sum_rows(out, terms)
        if coeff != 1:
            self.ops.axpby(out, coeff, out, 0.0, out)
        return [self.backend.view(out, bottoms[0].shape[: self.axis])]

    def backward(self, top_diffs, bottoms, tops):
        if not self.propagate_down[0]:
            return [None]
        x, coeff = self._rows(bottoms[0])
        outer, size = x.shape
        dy = self._top_diff(top_diffs[0], outer, x.dtype)
        # each value's share: coeff · dy of its row (twice that for SUMSQ), spread over the row
        factor = 2.0 * coeff if self.operation == _OPS.SUMSQ else coeff
        spread = self.buffer("spread", x.shape, x.dtype)
        ones = self.ones((1, size), x.dtype)
        self.ops.gemm(spread, self.backend.view(dy, (outer, 1)), ones, False, False, factor, 0.0)
        if self.operation in (_OPS.SUM, _OPS.MEAN):
            return [self.backend.view(spread, bottoms[0].shape)]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        if self.operation == _OPS.ASUM:  # times sign(x)
            flat = self.flat(x)
            self.ops.neuron_backward(
                self.flat(dx), self.flat(spread), flat, flat, codes.ABSVAL, 0.0, 0.0, 0.0
            )
        else:  # times x
            self.ops.multiply(self.flat(dx), self.flat(spread), self.flat(x))
        return [self.backend.view(dx, bottoms[0].shape)]

    def _top_diff(self, dy, outer: int, dtype):
        """The top's gradient (outer,) on the layer's device: a loss weight (a host number, when
        the Reduction is a loss) goes there as an array of it."""
        if isinstance(dy, np.ndarray) and (self.backend.name != "cpu" or dy.size != outer):
            weight = self.buffer("loss_weight", (outer,), dtype)
            self.ops.fill(weight, float(dy.ravel()[0]))
            return weight
        return self.backend.view(dy, (outer,))


@register
class Tile(Layer):
    type_name = "Tile"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.axis = spec.tile_param.axis % len(bottom_shapes[0])
        self.tiles = spec.tile_param.tiles

    def _blocks(self, x) -> tuple[int, int]:
        outer = math.prod(x.shape[: self.axis])
        return outer, x.size // outer

    def forward(self, bottoms, train):
        x = bottoms[0]
        outer, size = self._blocks(x)
        shape = list(x.shape)
        shape[self.axis] *= self.tiles
        out = self.buffer("top", shape, x.dtype)
        tiled = self.backend.view(out, (outer, self.tiles, size))
        block = self.backend.view(x, (outer, 1, size))
        for t in range(self.tiles):
            self.ops.concat_forward(tiled, block, t)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        if not self.propagate_down[0]:
            return [None]
        x, view = bottoms[0], self.backend.view
        outer, size = self._blocks(x)
        tiled = view(top_diffs[0], (outer, self.tiles, size))
        dx = self.buffer("bottom_diff", (outer, 1, size), x.dtype)
        part = self.buffer("part", dx.shape, x.dtype)
        self.ops.concat_backward(dx, tiled, 0)
        for t in range(1, self.tiles):  # the tiles' gradients summed in order
            self.ops.concat_backward(part, tiled, t)
            self.ops.axpby(self.flat(dx), 1.0, self.flat(dx), 1.0, self.flat(part))
        return [view(dx, x.shape)]
