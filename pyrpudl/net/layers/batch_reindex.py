"""Caffe's BatchReindex: the rows of its first bottom picked, repeated or reordered by the indices
in its second (top[i] = data[permut[i]]); the gradient sums back into the rows picked, zero for
rows not picked. On Embed's ops: the data's rows are the table, permut the indices."""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register


@register
class BatchReindex(Layer):
    type_name = "BatchReindex"

    def _rows(self, array):
        return self.backend.view(array, (array.shape[0], array.size // array.shape[0]))

    def forward(self, bottoms, train):
        data, permut = bottoms
        if self.backend.name == "cpu":  # on a GPU a bad index makes its row NaN, as Embed's
            bad = (permut != np.floor(permut)) | (permut < 0) | (permut >= data.shape[0])
            if bad.any():
                raise InputError(
                    f"layer {self.name!r} (BatchReindex): its second bottom holds row indices of the "
                    f"first, whole numbers from 0 to {data.shape[0] - 1}; found {permut[bad][0]:g}"
                )
        out = self.buffer("top", (permut.shape[0], *data.shape[1:]), data.dtype)
        table = self._rows(data)
        self.ops.embed_forward(self._rows(out), permut, table, table[0], False)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        if self.propagate_down[1]:
            raise InputError(
                f"layer {self.name!r} (BatchReindex) has no gradient for its indices (as in Caffe): feed "
                "them from data, not from a learned layer"
            )
        if not self.propagate_down[0]:
            return [None, None]
        data, permut = bottoms
        dx = self.buffer("bottom_diff", data.shape, data.dtype)
        chain = self.buffer("chain", permut.shape, np.int32)
        self.ops.embed_backward(self._rows(dx), chain, self._rows(top_diffs[0]), permut)
        return [dx, None]
