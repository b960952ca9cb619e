"""Convolution (Caffe's cross-correlation) with padding, stride, dilation, groups and bias.

On the GPU the batch becomes one column matrix (im2col, rows = input channel x kernel position,
columns = image x output position), so each pass is one large matrix product per group: forward
W @ col, weight gradient diff @ col^T, input gradient col2im(W^T @ diff). On the CPU, float32
layers with a unit column stride skip the column matrix (convolution_direct.py: a register-blocked
kernel reading the padded input in place; cifar10_quick's training step 156.9 -> 77.6 ms in
benchmarks/convolution_paths.py, 2026-12-01); the rest run the batch path above, and their
inference in chunks of a few images per core (convolution_chunks.py). ``direct = False`` /
``chunked = False`` turn those off. With ``PYRPUDL_CONV_COLUMNS=implicit`` the GPU's forward and
weight-gradient products read the column matrix through two small tables instead of a written
matrix (implicit_columns.py; an experiment until a GPU has timed it).
"""

from pyrpudl.net.layers import implicit_columns
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.convolution_chunks import ChunkConvolution
from pyrpudl.net.layers.convolution_direct import DirectConvolution
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
        self.window_args = w.dilated_args
        self.chunked = self.backend.name == "cpu"
        self._chunks = ChunkConvolution(self) if self.chunked else None
        self.direct = self.backend.name == "cpu"
        self._direct = DirectConvolution(self, bottom_shapes[0]) if self.direct else None
        self._columns_of = None  # the bottom whose columns the "columns" buffer holds
        self.implicit = self.backend.name != "cpu" and implicit_columns.wanted()
        self._tables = {}  # images in the batch -> (rows, columns) tables on the device

    def _direct_path(self, dtype):
        """The direct kernels when they take this layer's passes for ``dtype``, else None."""
        return self._direct if self.direct and self._direct.applies(dtype) else None

    def direct_whole_step(self, dtype) -> bool:
        """Whether a training step of this layer runs wholly on the direct kernels (no BLAS)."""
        return self._direct_path(dtype) is not None

    def _implicit_tables(self, image):
        """The column matrix's tables for this batch size, made and uploaded once (outside a CUDA
        graph capture: the first step runs eagerly)."""
        n, channels, height, width = image.shape
        tables = self._tables.get(n)
        if tables is None:
            rows = implicit_columns.row_table(self.window, channels, height, width)
            columns = implicit_columns.column_table(self.window, n, channels, height, width)
            tables = self._tables[n] = (self.backend.to_device(rows), self.backend.to_device(columns))
        return tables

    def _column_product(self, c, a, image, g: int, trans_b: bool) -> None:
        """c = a @ op(col) for group g: col (rows, n·positions) written by im2col in the forward pass,
        or read through the tables."""
        if self.implicit:
            rows, columns = self._implicit_tables(image)
            flat = self.backend.view(image, (image.size,))
            self.ops.conv_gemm(c, a, flat, self._group_rows(rows, g, self.rows), columns, image.shape[2],
                               image.shape[3], trans_b, 1.0, 0.0)  # fmt: skip
        else:
            columns = self._group_rows(self._buffers["columns"], g, self.rows)
            self.ops.gemm(c, a, columns, False, trans_b, 1.0, 0.0)

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
        direct = self._direct_path(image.dtype)
        if direct:
            out = self.buffer("top", (n, *self.top_shapes[0][1:]), image.dtype)
            direct.forward(image, out)
            self._columns_of = None
            return [out]
        if self.chunked and not train:
            out = self.buffer("top", (n, *self.top_shapes[0][1:]), image.dtype)
            self._chunks.forward(image, out)
            self._columns_of = None  # no batch columns: a batch backward pass must make them
            return [out]
        if not self.implicit:
            columns = self.buffer("columns", (self.group * self.rows, n * self.positions), image.dtype)
            self.ops.im2col(columns, image, *self.window_args)
            self._columns_of = image
        wide = self.buffer("wide", (outputs, n * self.positions), image.dtype)
        for g in range(self.group):
            self._column_product(self._group_rows(wide, g, self.per_group), self.weights[g], image, g, False)
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
        direct = self._direct_path(image.dtype)
        if direct:
            direct.weight_gradient(image, top_diffs[0], *self.param_propagate_down)
            if not self.propagate_down[0]:
                return [None]
            image_diff = self.buffer("bottom_diff", image.shape, image.dtype)
            direct.input_gradient(top_diffs[0], image_diff)
            return [image_diff]
        if not self.implicit and self._columns_of is not image:  # forward ran in chunks, or on others
            columns = self.buffer("columns", (self.group * self.rows, n * self.positions), image.dtype)
            self.ops.im2col(columns, image, *self.window_args)
            self._columns_of = image
        diff = self.buffer("diff_wide", (outputs, n * self.positions), image.dtype)
        self.ops.nchw_to_wide(diff, self.backend.view(top_diffs[0], (n, outputs, self.positions)))
        for g in range(self.group if self.param_propagate_down[0] else 0):
            group_diff = self._group_rows(diff, g, self.per_group)
            self._column_product(self.weight_grads[g], group_diff, image, g, True)
        if self.bias and self.param_propagate_down[1]:
            self.ops.sum_rows(self.grads[1], diff)
        if not self.propagate_down[0]:
            return [None]  # the input is data: skip col2im, the costliest step
        image_diff = self.buffer("bottom_diff", image.shape, image.dtype)
        self._column_input_gradient(image_diff, diff)
        return [image_diff]

    def _column_input_gradient(self, image_diff, diff) -> None:
        """image_diff = col2im(W^T @ diff), diff the top gradient in the wide layout."""
        rows = self.group * self.rows
        column_diff = self.buffer("column_diff", (rows, diff.shape[1]), image_diff.dtype)
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
        self.ops.col2im(image_diff, column_diff, *self.window_args)
