"""Element-wise activations: ReLU (with Caffe's negative_slope), Sigmoid, TanH."""

import numpy as np

from pyrpudl.net.layers.base import Layer, register


@register
class ReLU(Layer):
    type_name = "ReLU"

    def forward(self, bottoms, train):
        x = bottoms[0]
        slope = self.spec.relu_param.negative_slope
        return [np.where(x > 0, x, x * slope).astype(x.dtype, copy=False)]

    def backward(self, top_diffs, bottoms, tops):
        slope = self.spec.relu_param.negative_slope
        return [
            np.where(bottoms[0] > 0, top_diffs[0], top_diffs[0] * slope).astype(bottoms[0].dtype, copy=False)
        ]


@register
class Sigmoid(Layer):
    type_name = "Sigmoid"

    def forward(self, bottoms, train):
        return [(1 / (1 + np.exp(-bottoms[0]))).astype(bottoms[0].dtype, copy=False)]

    def backward(self, top_diffs, bottoms, tops):
        y = tops[0]
        return [top_diffs[0] * y * (1 - y)]


@register
class TanH(Layer):
    type_name = "TanH"

    def forward(self, bottoms, train):
        return [np.tanh(bottoms[0])]

    def backward(self, top_diffs, bottoms, tops):
        return [top_diffs[0] * (1 - tops[0] ** 2)]
