"""MAX, AVE and STOCHASTIC pooling with Caffe's ceil rounding (or floor), padding (MAX and AVE) and
global pooling.

STOCHASTIC (Zeiler & Fergus's, as Caffe's GPU code does it; Caffe's CPU has none): in training
each window's output is one of its values, drawn with probability proportional to its size (the
activations must not be negative: put it after a ReLU), from a counter-based hash of (net seed,
layer, iteration, output) as Dropout's draws; the gradient goes to the value drawn. In testing, the
draws' expectation, Σ x² / Σ x.
"""

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
        self.drawn = False  # whether the last forward pass drew (STOCHASTIC in training)
        if self.method == pb.PoolingParameter.STOCHASTIC:
            if self.window.ph or self.window.pw:
                raise InputError(
                    f"layer {spec.name!r}: STOCHASTIC pooling takes no padding (Caffe pads only MAX and "
                    "AVE windows)"
                )
            self.keys = (0, 0, 0)  # (seed, layer index, iteration): set by Net.reseed, as Dropout's

    def forward(self, bottoms, train):
        image = bottoms[0]
        out = self.buffer("top", (image.shape[0], *self.top_shapes[0][1:]), image.dtype)
        w = self.window
        if self.method == pb.PoolingParameter.MAX:
            argmax = self.buffer("argmax", out.shape, np.int32)
            self.ops.max_pool_forward(out, argmax, image, *w.args)
        elif self.method == pb.PoolingParameter.AVE:
            self.ops.ave_pool_forward(out, image, *w.args)
        elif train:
            index = self.buffer("argmax", out.shape, np.int32)
            self.ops.stochastic_pool_forward(out, index, image, w.kh, w.kw, w.sh, w.sw, *self.keys)
        else:
            self.ops.stochastic_pool_test(out, image, w.kh, w.kw, w.sh, w.sw)
        self.drawn = self.method == pb.PoolingParameter.STOCHASTIC and train
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        image_diff = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        if self.method == pb.PoolingParameter.AVE:
            self.ops.ave_pool_backward(image_diff, top_diffs[0], *self.window.args)
            return [image_diff]
        if self.method == pb.PoolingParameter.STOCHASTIC and not self.drawn:
            raise InputError(
                f"layer {self.name!r}: STOCHASTIC pooling's test pass has no gradient (as in Caffe)"
            )
        # MAX, or STOCHASTIC's draws: the gradient goes to the value each window gave
        self.ops.max_pool_backward(image_diff, top_diffs[0], self._buffers["argmax"], *self.window.args)
        return [image_diff]
