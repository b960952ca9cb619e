"""InnerProduct (fully connected): y = x W^T + b over the trailing axes from ``axis``.

Weights are stored (outputs, inputs), or (inputs, outputs) with ``transpose: true``; each pass is one
matrix product.
"""

import math

from pyrpudl.net.layers.base import Layer, register


@register
class InnerProduct(Layer):
    type_name = "InnerProduct"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.transpose = spec.inner_product_param.transpose
        self.bias = spec.inner_product_param.bias_term
        self.axis = spec.inner_product_param.axis % len(bottom_shapes[0])

    def _rows(self, x):
        """x as a matrix: one row per example (the axes before ``axis``)."""
        rows = math.prod(x.shape[: self.axis])
        return self.backend.view(x, (rows, x.size // rows))

    def forward(self, bottoms, train):
        x = self._rows(bottoms[0])
        outputs = self.top_shapes[0][-1]
        out = self.buffer("top", (x.shape[0], outputs), x.dtype)
        # out = x @ W^T (W stored outputs x inputs), or x @ W when stored transposed
        self.ops.gemm(out, x, self.params[0], False, not self.transpose, 1.0, 0.0)
        if self.bias:
            self.ops.add_bias_columns(out, self.params[1])
        return [self.backend.view(out, (*bottoms[0].shape[: self.axis], outputs))]

    def backward(self, top_diffs, bottoms, tops):
        x = self._rows(bottoms[0])
        diff = self._rows(top_diffs[0])
        if self.param_propagate_down[0]:  # not for lr_mult 0
            if self.transpose:  # W (inputs, outputs) = x^T diff
                self.ops.gemm(self.grads[0], x, diff, True, False, 1.0, 0.0)
            else:  # W (outputs, inputs) = diff^T x
                self.ops.gemm(self.grads[0], diff, x, True, False, 1.0, 0.0)
        if self.bias and self.param_propagate_down[1]:
            self.ops.sum_columns(self.grads[1], diff)
        if not self.propagate_down[0]:
            return [None]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        self.ops.gemm(dx, diff, self.params[0], False, self.transpose, 1.0, 0.0)
        return [self.backend.view(dx, bottoms[0].shape)]
