"""Layers that move or combine values: Softmax, Flatten, Reshape, Split, Silence, Concat, Slice, Crop,
ArgMax, Eltwise."""

import math

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import argmax_axes, crop_offsets, slice_points
from pyrpudl.proto import rpudl_model_pb2 as pb


def _around(shape, axis: int) -> tuple[int, int, int]:
    """(outer, along, inner): ``shape`` seen as three axes around ``axis``."""
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1 :])


@register
class Softmax(Layer):
    type_name = "Softmax"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.axis = spec.softmax_param.axis % len(bottom_shapes[0])

    def forward(self, bottoms, train):
        x = bottoms[0]
        out = self.buffer("top", x.shape, x.dtype)
        three = _around(x.shape, self.axis)
        self.ops.softmax_forward(self.backend.view(out, three), self.backend.view(x, three))
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        y = tops[0]
        dx = self.buffer("bottom_diff", y.shape, y.dtype)
        three = _around(y.shape, self.axis)
        view = self.backend.view
        self.ops.softmax_backward(view(dx, three), view(top_diffs[0], three), view(y, three))
        return [dx]


@register
class Flatten(Layer):
    type_name = "Flatten"

    def forward(self, bottoms, train):
        return [self.backend.view(bottoms[0], (bottoms[0].shape[0], *self.top_shapes[0][1:]))]

    def backward(self, top_diffs, bottoms, tops):
        return [self.backend.view(top_diffs[0], bottoms[0].shape)]


@register
class Reshape(Flatten):
    """A view with the shape Caffe's reshape_param gives (pyrpudl.net.shapes)."""

    type_name = "Reshape"

    def forward(self, bottoms, train):
        return [self.backend.view(bottoms[0], self.top_shapes[0])]


@register
class Split(Layer):
    """The bottom under each top's name; backward, the sum of the tops' gradients (Caffe inserts
    these itself where a blob feeds several layers; a prototxt may also name them)."""

    type_name = "Split"

    def forward(self, bottoms, train):
        return [bottoms[0]] * len(self.spec.top)

    def backward(self, top_diffs, bottoms, tops):
        if len(top_diffs) == 1:
            return [top_diffs[0]]
        x = bottoms[0]
        total = self.buffer("bottom_diff", x.shape, x.dtype)
        flat = self.flat
        self.ops.add(flat(total), flat(top_diffs[0]), flat(top_diffs[1]))
        for diff in top_diffs[2:]:
            self.ops.add(flat(total), flat(total), flat(diff))
        return [total]


@register
class Silence(Layer):
    """Reads its bottoms so that nothing is left unused (and no output is reported); no tops."""

    type_name = "Silence"

    def forward(self, bottoms, train):
        return []

    def backward(self, top_diffs, bottoms, tops):
        return [None] * len(bottoms)


@register
class Concat(Layer):
    type_name = "Concat"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        p = spec.concat_param
        axis = p.axis if p.HasField("axis") or not p.HasField("concat_dim") else p.concat_dim
        self.axis = axis % len(bottom_shapes[0])
        self.offsets = [0, *np.cumsum([shape[self.axis] for shape in bottom_shapes])[:-1].tolist()]

    def forward(self, bottoms, train):
        shape = list(bottoms[0].shape)
        shape[self.axis] = sum(b.shape[self.axis] for b in bottoms)
        out = self.buffer("top", shape, bottoms[0].dtype)
        whole = self.backend.view(out, _around(shape, self.axis))
        for bottom, offset in zip(bottoms, self.offsets, strict=True):
            part = self.backend.view(bottom, _around(bottom.shape, self.axis))
            self.ops.concat_forward(whole, part, offset)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        whole = self.backend.view(top_diffs[0], _around(top_diffs[0].shape, self.axis))
        diffs = []
        for index, (bottom, offset) in enumerate(zip(bottoms, self.offsets, strict=True)):
            dx = self.buffer(f"bottom_diff{index}", bottom.shape, bottom.dtype)
            self.ops.concat_backward(self.backend.view(dx, _around(bottom.shape, self.axis)), whole, offset)
            diffs.append(dx)
        return diffs


@register
class Slice(Layer):
    """Concat's inverse: the tops are the bottom's parts along an axis (with Concat's ops: its
    backward cuts a part out, its forward puts one back)."""

    type_name = "Slice"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.axis, self.offsets = slice_points(spec, bottom_shapes[0])

    def forward(self, bottoms, train):
        view = self.backend.view
        whole = view(bottoms[0], _around(bottoms[0].shape, self.axis))
        tops = []
        for index, (shape, offset) in enumerate(zip(self.top_shapes, self.offsets, strict=True)):
            shape = (bottoms[0].shape[0], *shape[1:]) if self.axis else shape
            out = self.buffer(f"top{index}", shape, bottoms[0].dtype)
            self.ops.concat_backward(view(out, _around(shape, self.axis)), whole, offset)
            tops.append(out)
        return tops

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        whole = self.backend.view(dx, _around(x.shape, self.axis))
        for diff, offset in zip(top_diffs, self.offsets, strict=True):
            self.ops.concat_forward(whole, self.backend.view(diff, _around(diff.shape, self.axis)), offset)
        return [dx]


@register
class ArgMax(Layer):
    """Caffe's ArgMax: the indices of the top_k largest values (as floats), over each example's
    values or along ``axis``; with out_max_val their values as well (along an axis: instead). It
    has no gradient, as in Caffe: it ends a net (a deploy net's classes) or feeds only outputs."""

    type_name = "ArgMax"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.axis, self.size = argmax_axes(spec, bottom_shapes[0])
        self.top_k, self.with_values = spec.argmax_param.top_k, spec.argmax_param.out_max_val

    def forward(self, bottoms, train):
        x, view = bottoms[0], self.backend.view
        whole = view(x, (x.shape[0], self.size, 1) if self.axis is None else _around(x.shape, self.axis))
        picked = (whole.shape[0], self.top_k, whole.shape[2])
        indices = self.buffer("indices", picked, x.dtype)
        values = self.buffer("values", picked, x.dtype)
        self.ops.argmax_forward(indices, values, whole, self.top_k)
        shape = (x.shape[0], *self.top_shapes[0][1:])
        if self.axis is not None:
            return [view(values if self.with_values else indices, shape)]
        if not self.with_values:
            return [view(indices, shape)]
        out = self.buffer("top", shape, x.dtype)
        pair = view(out, (x.shape[0], 2 * self.top_k, 1))  # indices, then values, along axis 1
        self.ops.concat_forward(pair, indices, 0)
        self.ops.concat_forward(pair, values, self.top_k)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        raise InputError(f"layer {self.name!r}: ArgMax has no gradient; let it feed outputs only")


@register
class Crop(Layer):
    """Caffe's Crop: the window of the first bottom the size of the second, from the crop axis
    on, at the offsets given. One axis at a time with Concat's ops (their backward cuts a part
    out; their forward puts a gradient back into zeros)."""

    type_name = "Crop"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        axis, offsets = crop_offsets(spec, bottom_shapes)
        # the axes that change, with their offsets and the shape before each cut
        self.steps, shape = [], tuple(bottom_shapes[0])
        for i, offset in zip(range(axis, len(shape)), offsets, strict=True):
            if bottom_shapes[1][i] != shape[i]:
                self.steps.append((i, offset, shape))
                shape = (*shape[:i], bottom_shapes[1][i], *shape[i + 1 :])

    def forward(self, bottoms, train):
        view, current = self.backend.view, bottoms[0]
        for index, (axis, offset, _) in enumerate(self.steps):
            shape = (*current.shape[:axis], self.bottom_shapes[1][axis], *current.shape[axis + 1 :])
            out = self.buffer(f"step{index}", shape, current.dtype)
            window = view(out, _around(shape, axis))
            self.ops.concat_backward(window, view(current, _around(current.shape, axis)), offset)
            current = out
        return [current]

    def backward(self, top_diffs, bottoms, tops):
        view, diff = self.backend.view, top_diffs[0]
        for index, (axis, offset, before) in reversed(list(enumerate(self.steps))):
            whole = self.buffer(f"diff{index}", before, diff.dtype)
            self.ops.fill(self.flat(whole), 0.0)
            self.ops.concat_forward(view(whole, _around(before, axis)), view(diff, _around(diff.shape, axis)),
                                    offset)  # fmt: skip
            diff = whole
        return [diff, None]


@register
class Eltwise(Layer):
    type_name = "Eltwise"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        p = spec.eltwise_param
        self.operation = p.operation
        if p.coeff and (len(p.coeff) != len(bottom_shapes) or self.operation != pb.EltwiseParameter.SUM):
            raise InputError(f"layer {spec.name!r}: give one coeff per bottom, and only for SUM")
        self.coeff = list(p.coeff) or [1.0] * len(bottom_shapes)

    def forward(self, bottoms, train):
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        flat_out, flats = self.flat(out), [self.flat(b) for b in bottoms]
        if self.operation == pb.EltwiseParameter.SUM:
            self.ops.axpby(flat_out, self.coeff[0], flats[0], 0.0, flats[0])
            for coeff, flat in zip(self.coeff[1:], flats[1:], strict=True):
                self.ops.axpby(flat_out, 1.0, flat_out, coeff, flat)
        elif self.operation == pb.EltwiseParameter.PROD:
            self.ops.multiply(flat_out, flats[0], flats[1])
            for flat in flats[2:]:
                self.ops.multiply(flat_out, flat_out, flat)
        else:
            winner = self.buffer("winner", out.shape, np.int32)
            for index, flat in enumerate(flats):
                self.ops.eltwise_max_forward(flat_out, self.flat(winner), flat, index)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dy = self.flat(top_diffs[0])
        flats = [self.flat(b) for b in bottoms]
        diffs = []
        for index, bottom in enumerate(bottoms):
            dx = self.buffer(f"bottom_diff{index}", bottom.shape, bottom.dtype)
            flat_dx = self.flat(dx)
            if self.operation == pb.EltwiseParameter.SUM:
                self.ops.axpby(flat_dx, self.coeff[index], dy, 0.0, dy)
            elif self.operation == pb.EltwiseParameter.PROD:
                # the product of the other bottoms (Caffe's stable_prod_grad), times dy
                self.ops.multiply(flat_dx, dy, flats[1] if index == 0 else flats[0])
                for other, flat in enumerate(flats):
                    if other not in (index, 1 if index == 0 else 0):
                        self.ops.multiply(flat_dx, flat_dx, flat)
            else:
                self.ops.eltwise_max_backward(flat_dx, dy, self.flat(self._buffers["winner"]), index)
            diffs.append(dx)
        return diffs
