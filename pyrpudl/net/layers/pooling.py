"""MAX and AVE pooling with Caffe's ceil rounding (or floor), padding and global pooling."""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import pool_window
from pyrpudl.proto import rpudl_model_pb2 as pb


@register
class Pooling(Layer):
    type_name = "Pooling"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.window = pool_window(spec, *bottom_shapes[0][2:])
        self.method = spec.pooling_param.pool
        if self.method == pb.PoolingParameter.STOCHASTIC:
            raise InputError(f"layer {spec.name!r}: STOCHASTIC pooling is not supported; use MAX or AVE")

    def forward(self, bottoms, train):
        image = bottoms[0]
        out = self.buffer("top", (image.shape[0], *self.top_shapes[0][1:]), image.dtype)
        if self.method == pb.PoolingParameter.MAX:
            argmax = self.buffer("argmax", out.shape, np.int32)
            self.ops.max_pool_forward(out, argmax, image, *self.window.args)
        else:
            self.ops.ave_pool_forward(out, image, *self.window.args)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        image_diff = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        if self.method == pb.PoolingParameter.MAX:
            self.ops.max_pool_backward(image_diff, top_diffs[0], self._buffers["argmax"], *self.window.args)
        else:
            self.ops.ave_pool_backward(image_diff, top_diffs[0], *self.window.args)
        return [image_diff]
