"""Caffe's Deconvolution: the transpose of a convolution (its forward pass is a convolution's input
gradient, its input gradient a convolution's forward pass), as fully convolutional nets upsample.

Output size ``stride·(H - 1) + dilation·(kernel - 1) + 1 - 2·pad``; weights (input channels,
outputs / group, kh, kw), Caffe's layout. Built from the convolution's ops on both devices: forward
col2im(Wᵀ @ x), input gradient W @ im2col(dy), weight gradient x @ im2col(dy)ᵀ, with x and the
input gradient in the wide (channel, image·position) layout. On the CPU, float32 layers without
dilation skip the columns (deconvolution_phases.py: the FCN's 8 x 8 stride-4 upsampling 1.9-2.7x
faster forward and backward at batch 64, benchmarks/deconvolution_paths.py); ``phases = False``
turns that off.
"""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.deconvolution_phases import PhaseDeconvolution
from pyrpudl.net.shapes import conv_window


@register
class Deconvolution(Layer):
    type_name = "Deconvolution"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        w = conv_window(spec)
        self.window_args = w.dilated_args
        self.group = spec.convolution_param.group
        self.bias = spec.convolution_param.bias_term
        _, self.inputs, height, width = bottom_shapes[0]
        self.positions = height * width  # of the input: the columns' positions
        self.outputs = self.top_shapes[0][1]
        self.in_per_group = self.inputs // self.group
        self.rows = self.outputs // self.group * w.kh * w.kw  # column rows per group
        self.weights = self._per_group(self.params[0]) if self.params else []
        self.weight_grads = self._per_group(self.grads[0]) if self.grads else []
        self.phases = self.backend.name == "cpu"
        self._phases = PhaseDeconvolution(self, bottom_shapes[0]) if self.phases else None

    def _phase_path(self, dtype):
        """The phase kernels when they take this layer's passes for ``dtype``, else None."""
        return self._phases if self.phases and self._phases.applies(dtype) else None

    def _per_group(self, array) -> list:
        """Weights as (inputs per group, rows per group), one view per group."""
        grouped = self.backend.view(array, (self.group, self.in_per_group, self.rows))
        return [grouped[g] for g in range(self.group)]

    def _part(self, matrix, g: int, size: int):
        return matrix if self.group == 1 else matrix[g * size : (g + 1) * size]

    def _wide(self, key, image):
        """``image`` (N, C, ...) in the wide layout (C, N·positions)."""
        n, channels = image.shape[:2]
        wide = self.buffer(key, (channels, image.size // channels), image.dtype)
        self.ops.nchw_to_wide(wide, self.backend.view(image, (n, channels, image.size // (n * channels))))
        return wide

    def forward(self, bottoms, train):
        x = bottoms[0]
        n = x.shape[0]
        out = self.buffer("top", (n, *self.top_shapes[0][1:]), x.dtype)
        phases = self._phase_path(x.dtype)
        if phases:
            phases.forward(x, out)
            return [out]
        wide = self._wide("wide", x)
        columns = self.buffer("columns", (self.group * self.rows, n * self.positions), x.dtype)
        for g in range(self.group):  # the columns of group g: its weights transposed times its inputs
            part = self._part(wide, g, self.in_per_group)
            self.ops.gemm(self._part(columns, g, self.rows), self.weights[g], part, True, False, 1.0, 0.0)
        self.ops.col2im(out, columns, *self.window_args)
        if self.bias:  # out += bias per channel: the Scale op with unit factors
            flat = self.backend.view(out, (n, self.outputs, out.size // (n * self.outputs)))
            self.ops.scale_forward(flat, flat, self.ones((self.outputs,), x.dtype), self.params[1], True)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        x, dy = bottoms[0], top_diffs[0]
        n = x.shape[0]
        phases = self._phase_path(x.dtype)
        if phases:
            split, sums = phases.split(dy)
            phases.weight_gradient(x, split, sums, *self.param_propagate_down)
            if not self.propagate_down[0]:
                return [None]
            dx = self.buffer("bottom_diff", x.shape, x.dtype)
            phases.input_gradient(split, dx)
            return [dx]
        wide = self._wide("wide", x)
        columns = self.buffer("diff_columns", (self.group * self.rows, n * self.positions), x.dtype)
        self.ops.im2col(columns, dy, *self.window_args)
        for g in range(self.group if self.param_propagate_down[0] else 0):
            self.ops.gemm(self.weight_grads[g], self._part(wide, g, self.in_per_group),
                          self._part(columns, g, self.rows), False, True, 1.0, 0.0)  # fmt: skip
        if self.bias and self.param_propagate_down[1]:
            self.ops.sum_rows(self.grads[1], self._wide("diff_wide", dy))
        if not self.propagate_down[0]:
            return [None]
        dx_wide = self.buffer("dx_wide", (self.inputs, n * self.positions), x.dtype)
        for g in range(self.group):
            part = self._part(columns, g, self.rows)
            self.ops.gemm(
                self._part(dx_wide, g, self.in_per_group), self.weights[g], part, False, False, 1.0, 0.0
            )
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        self.ops.wide_to_nchw(
            self.backend.view(dx, (n, self.inputs, self.positions)), dx_wide, dx_wide[0], False
        )
        return [dx]
