"""InnerProduct (fully connected): y = x W^T + b over the trailing axes from ``axis``."""

import numpy as np

from pyrpudl.net.layers.base import Layer, register


@register
class InnerProduct(Layer):
    type_name = "InnerProduct"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        self.transpose = spec.inner_product_param.transpose
        self.bias = spec.inner_product_param.bias_term
        self.axis = spec.inner_product_param.axis % len(bottom_shapes[0])

    def _rows(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(int(np.prod(x.shape[: self.axis])), -1)

    def _weights(self) -> np.ndarray:
        """(inputs, outputs) whatever the stored orientation."""
        return self.params[0] if self.transpose else self.params[0].T

    def forward(self, bottoms, train):
        out = self._rows(bottoms[0]) @ self._weights()
        if self.bias:
            out += self.params[1]
        return [out.reshape(*bottoms[0].shape[: self.axis], -1)]

    def backward(self, top_diffs, bottoms, tops):
        x, diff = self._rows(bottoms[0]), self._rows(top_diffs[0])
        gradient = x.T @ diff  # (inputs, outputs)
        self.grads[0][...] = gradient if self.transpose else gradient.T
        if self.bias:
            self.grads[1][...] = diff.sum(axis=0)
        if not self.propagate_down[0]:
            return [None]
        return [(diff @ self._weights().T).reshape(bottoms[0].shape)]
