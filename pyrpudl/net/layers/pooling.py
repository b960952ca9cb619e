"""MAX and AVE pooling with Caffe's ceil rounding (or floor), padding and global pooling."""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.kernels.cpu.pooling import (
    ave_pool_backward,
    ave_pool_forward,
    max_pool_backward,
    max_pool_forward,
)
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import pool_window
from pyrpudl.proto import rpudl_model_pb2 as pb


@register
class Pooling(Layer):
    type_name = "Pooling"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        self.window = pool_window(spec, *bottom_shapes[0][2:])
        self.method = spec.pooling_param.pool
        if self.method == pb.PoolingParameter.STOCHASTIC:
            raise InputError(f"layer {spec.name!r}: STOCHASTIC pooling is not supported; use MAX or AVE")
        self.argmax = None

    def forward(self, bottoms, train):
        image = np.ascontiguousarray(bottoms[0])
        out = np.empty((image.shape[0], *self.top_shapes[0][1:]), dtype=image.dtype)
        if self.method == pb.PoolingParameter.MAX:
            self.argmax = np.empty(out.shape, dtype=np.int32)
            max_pool_forward(out, self.argmax, image, *self.window.args)
        else:
            ave_pool_forward(out, image, *self.window.args)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        image_diff = np.empty_like(bottoms[0])
        diff = np.ascontiguousarray(top_diffs[0])
        if self.method == pb.PoolingParameter.MAX:
            max_pool_backward(image_diff, diff, self.argmax)
        else:
            ave_pool_backward(image_diff, diff, *self.window.args)
        return [image_diff]
