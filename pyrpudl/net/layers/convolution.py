"""Convolution (Caffe's cross-correlation) with padding, stride, dilation, groups and bias.

On the GPU the batch becomes one column matrix (im2col, rows = input channel x kernel position,
columns = image x output position), so each pass is one large matrix product per group: forward
W @ col, weight gradient diff @ col^T, input gradient col2im(W^T @ diff). The CPU trains this way
too. For inference (``train=False``) it runs chunks of a few images per core instead, each chunk's
columns in cache (convolution_chunks.py); ``chunked = False`` turns that off.

Training in chunks as well (the backward pass recomputing each chunk's columns, BLAS held to one
thread for the whole step) measured 1.12x faster than the batch path for cifar10_quick but 0.88x
for LeNet here (2026-12-01, same run), so training keeps the batch path.
"""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.convolution_chunks import ChunkConvolution
from pyrpudl.net.shapes import conv_window


@register
class Convolution(Layer):
    type_name = "Convolution"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.window = conv_window(spec)
        self.group = spec.convolution_param.group
        self.bias = spec.convolution_param.bias_term
        self.positions = self.top_shapes[0][2] * self.top_shapes[0][3]
        outputs = self.top_shapes[0][1]
        self.per_group = outputs // self.group
        w = self.window
        self.rows = bottom_shapes[0][1] * w.kh * w.kw // self.group  # column rows per group
        # (group, outputs per group, rows per group): views of the flat parameter buffer
        self.weights = self._per_group(self.params[0]) if self.params else []
        self.weight_grads = self._per_group(self.grads[0]) if self.grads else []
        self.window_args = (w.kh, w.kw, w.ph, w.pw, w.sh, w.sw, w.dh, w.dw)
        self.chunked = self.backend.name == "cpu"
        self._chunks = ChunkConvolution(self) if self.chunked else None
        self._columns_of = None  # the bottom whose columns the "columns" buffer holds

    def _per_group(self, array) -> list:
        """Views of a weight array as (outputs per group, rows per group), one per group."""
        grouped = self.backend.view(array, (self.group, self.per_group, self.rows))
        return [grouped[g] for g in range(self.group)]

    def _group_rows(self, matrix, g: int, size: int):
        return matrix if self.group == 1 else matrix[g * size : (g + 1) * size]

    def forward(self, bottoms, train):
        image = bottoms[0]
        n = image.shape[0]
        outputs = self.per_group * self.group
        if self.chunked and not train:
            out = self.buffer("top", (n, *self.top_shapes[0][1:]), image.dtype)
            self._chunks.forward(image, out)
            self._columns_of = None  # no batch columns: a batch backward pass must make them
            return [out]
        columns = self.buffer("columns", (self.group * self.rows, n * self.positions), image.dtype)
        self.ops.im2col(columns, image, *self.window_args)
        self._columns_of = image
        wide = self.buffer("wide", (outputs, n * self.positions), image.dtype)
        for g in range(self.group):
            self.ops.gemm(
                self._group_rows(wide, g, self.per_group),
                self.weights[g],
                self._group_rows(columns, g, self.rows),
                False,
                False,
                1.0,
                0.0,
            )
        out = self.buffer("top", (n, *self.top_shapes[0][1:]), image.dtype)
        self.ops.wide_to_nchw(
            self.backend.view(out, (n, outputs, self.positions)),
            wide,
            self.params[1] if self.bias else self.flat(self.params[0]),  # any array when there is no bias
            self.bias,
        )
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        image = bottoms[0]
        n = image.shape[0]
        outputs = self.per_group * self.group
        if self._columns_of is not image:  # forward ran in chunks (inference), or on others
            columns = self.buffer("columns", (self.group * self.rows, n * self.positions), image.dtype)
            self.ops.im2col(columns, image, *self.window_args)
            self._columns_of = image
        columns = self._buffers["columns"]  # from the forward pass of these bottoms
        diff = self.buffer("diff_wide", (outputs, n * self.positions), image.dtype)
        self.ops.nchw_to_wide(diff, self.backend.view(top_diffs[0], (n, outputs, self.positions)))
        for g in range(self.group):
            self.ops.gemm(
                self.weight_grads[g],
                self._group_rows(diff, g, self.per_group),
                self._group_rows(columns, g, self.rows),
                False,
                True,
                1.0,
                0.0,
            )
        if self.bias:
            self.ops.sum_rows(self.grads[1], diff)
        if not self.propagate_down[0]:
            return [None]  # the input is data: skip col2im, the costliest step
        column_diff = self.buffer("column_diff", columns.shape, image.dtype)
        for g in range(self.group):
            self.ops.gemm(
                self._group_rows(column_diff, g, self.rows),
                self.weights[g],
                self._group_rows(diff, g, self.per_group),
                True,
                False,
                1.0,
                0.0,
            )
        image_diff = self.buffer("bottom_diff", image.shape, image.dtype)
        self.ops.col2im(image_diff, column_diff, *self.window_args)
        return [image_diff]
