"""Caffe's Embed: each value of the bottom, an index in [0, input_dim), becomes its learned row of
num_output values (plus a bias): word embeddings, a lookup table trained by backpropagation. Like
Caffe's, it has no gradient for its input (indices are data)."""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register


@register
class Embed(Layer):
    type_name = "Embed"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.outputs, self.count = spec.embed_param.num_output, spec.embed_param.input_dim
        self.bias = spec.embed_param.bias_term

    def _check(self, indices) -> None:
        """On the CPU each batch's indices are checked (on a GPU a bad one makes its row NaN,
        which training stops at, keeping the last good model)."""
        bad = (indices != np.floor(indices)) | (indices < 0) | (indices >= self.count)
        if bad.any():
            raise InputError(
                f"layer {self.name!r} (Embed): its input holds indices, whole numbers from 0 to "
                f"{self.count - 1} (input_dim {self.count}); found {indices[bad][0]:g}"
            )

    def forward(self, bottoms, train):
        x = bottoms[0]
        indices = self.flat(x)
        if self.backend.name == "cpu":
            self._check(indices)
        out = self.buffer("top", (*x.shape, self.outputs), self.params[0].dtype)
        bias = self.params[1] if self.bias else self.flat(self.params[0])  # any array when there is none
        rows = self.backend.view(out, (indices.size, self.outputs))
        self.ops.embed_forward(rows, indices, self.params[0], bias, self.bias)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        if self.propagate_down[0]:
            raise InputError(
                f"layer {self.name!r} (Embed) has no gradient for its input (indices): feed it data, "
                "not a learned layer's output"
            )
        indices = self.flat(bottoms[0])
        dy = self.backend.view(top_diffs[0], (indices.size, self.outputs))
        if self.param_propagate_down[0]:
            chain = self.buffer("chain", (indices.size,), np.int32)
            self.ops.embed_backward(self.grads[0], chain, dy, indices)
        if self.bias and self.param_propagate_down[1]:
            self.ops.sum_columns(self.grads[1], dy)
        return [None]
