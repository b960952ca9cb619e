"""Caffe's Im2col layer: the columns a convolution multiplies its weights with, as a blob
(N, C·kh·kw, oh, ow), from convolution_param's kernel, pad, stride and dilation; its gradient is
col2im's sum back onto the pixels."""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import conv_window


@register
class Im2col(Layer):
    type_name = "Im2col"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.window_args = conv_window(spec).dilated_args
        _, self.rows, oh, ow = self.top_shapes[0]
        self.positions = oh * ow

    def forward(self, bottoms, train):
        image = bottoms[0]
        n = image.shape[0]
        columns = self.buffer("columns", (self.rows, n * self.positions), image.dtype)
        self.ops.im2col(columns, image, *self.window_args)
        out = self.buffer("top", (n, *self.top_shapes[0][1:]), image.dtype)
        self.ops.wide_to_nchw(
            self.backend.view(out, (n, self.rows, self.positions)), columns, self.flat(columns), False
        )
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        image = bottoms[0]
        n = image.shape[0]
        column_diff = self.buffer("column_diff", (self.rows, n * self.positions), image.dtype)
        self.ops.nchw_to_wide(column_diff, self.backend.view(top_diffs[0], (n, self.rows, self.positions)))
        image_diff = self.buffer("bottom_diff", image.shape, image.dtype)
        self.ops.col2im(image_diff, column_diff, *self.window_args)
        return [image_diff]
