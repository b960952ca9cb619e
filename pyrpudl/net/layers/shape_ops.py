"""Layers that move or combine values: Softmax, Flatten, Concat, Eltwise."""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.softmax_loss import softmax
from pyrpudl.proto import rpudl_model_pb2 as pb


@register
class Softmax(Layer):
    type_name = "Softmax"

    def forward(self, bottoms, train):
        return [softmax(bottoms[0], self.spec.softmax_param.axis)]

    def backward(self, top_diffs, bottoms, tops):
        axis = self.spec.softmax_param.axis
        y = tops[0]
        return [(top_diffs[0] - (top_diffs[0] * y).sum(axis=axis, keepdims=True)) * y]


@register
class Flatten(Layer):
    type_name = "Flatten"

    def forward(self, bottoms, train):
        return [bottoms[0].reshape(bottoms[0].shape[0], *self.top_shapes[0][1:])]

    def backward(self, top_diffs, bottoms, tops):
        return [top_diffs[0].reshape(bottoms[0].shape)]


@register
class Concat(Layer):
    type_name = "Concat"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        p = spec.concat_param
        axis = p.axis if p.HasField("axis") or not p.HasField("concat_dim") else p.concat_dim
        self.axis = axis % len(bottom_shapes[0])
        self.splits = np.cumsum([shape[self.axis] for shape in bottom_shapes])[:-1]

    def forward(self, bottoms, train):
        return [np.concatenate(bottoms, axis=self.axis)]

    def backward(self, top_diffs, bottoms, tops):
        return list(np.split(top_diffs[0], self.splits, axis=self.axis))


@register
class Eltwise(Layer):
    type_name = "Eltwise"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        p = spec.eltwise_param
        self.operation = p.operation
        if p.coeff and (len(p.coeff) != len(bottom_shapes) or self.operation != pb.EltwiseParameter.SUM):
            raise InputError(f"layer {spec.name!r}: give one coeff per bottom, and only for SUM")
        self.coeff = list(p.coeff) or [1.0] * len(bottom_shapes)
        self.winner = None

    def forward(self, bottoms, train):
        if self.operation == pb.EltwiseParameter.SUM:
            return [sum(c * b for c, b in zip(self.coeff, bottoms, strict=True))]
        if self.operation == pb.EltwiseParameter.PROD:
            return [np.prod(np.stack(bottoms), axis=0)]
        stacked = np.stack(bottoms)
        self.winner = stacked.argmax(axis=0)  # the first maximum wins, as in Caffe
        return [stacked.max(axis=0)]

    def backward(self, top_diffs, bottoms, tops):
        diff = top_diffs[0]
        if self.operation == pb.EltwiseParameter.SUM:
            return [c * diff for c in self.coeff]
        if self.operation == pb.EltwiseParameter.PROD:
            return [
                diff * np.prod(np.stack(bottoms[:i] + bottoms[i + 1 :]), axis=0) for i in range(len(bottoms))
            ]
        return [np.where(self.winner == i, diff, 0) for i in range(len(bottoms))]
