"""Caffe's BatchNorm, Scale and Bias layers (ops in kernels/OPS.md, batch_norm.py).

BatchNorm only normalizes each channel; its three blobs (mean, variance, moving-average factor)
are statistics the forward pass keeps, not learned: Caffe forces their lr_mult to 0, and so do we
(``ParamBuffer.build``). With ``use_global_stats`` unset it normalizes by the batch's statistics in
the TRAIN phase (updating the blobs) and by the blobs' in TEST. Only training passes update them:
a test pass or a prediction with ``use_global_stats: false`` uses its batch's statistics but keeps
the blobs (Caffe's would fold the test batches into them). Scale, usually right after it, learns
the per-channel factor (and with ``bias_term`` the shift).
"""

import math

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.proto import rpudl_model_pb2 as pb


class _PerChannel(Layer):
    def _channels(self, array):
        """``array`` (N, C, ...) as (N, C, S)."""
        n, c = array.shape[:2]
        return self.backend.view(array, (n, c, math.prod(array.shape[2:])))


@register
class BatchNorm(_PerChannel):
    type_name = "BatchNorm"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        p = spec.batch_norm_param
        self.fraction, self.eps = p.moving_average_fraction, p.eps
        self.given_global = p.use_global_stats if p.HasField("use_global_stats") else None

    @property
    def global_stats(self) -> bool:
        return self.phase == pb.TEST if self.given_global is None else self.given_global

    def forward(self, bottoms, train):
        x = self._channels(bottoms[0])
        channels = x.shape[1]
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        mean, var = (self.buffer(key, (channels,), x.dtype) for key in ("mean", "var"))
        running_mean, running_var, factor = self.params
        if self.global_stats:
            self.ops.batch_norm_global(mean, var, running_mean, running_var, factor)
        else:  # the moving averages learn from training passes only
            self.ops.batch_norm_statistics(
                mean, var, running_mean, running_var, factor, x, self.fraction, train
            )
        self.ops.batch_norm_forward(self._channels(out), x, mean, var, self.eps)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        dy, y = self._channels(top_diffs[0]), self._channels(tops[0])
        self.ops.batch_norm_backward(
            self._channels(dx), dy, y, self._buffers["var"], self.eps, self.global_stats
        )
        return [dx]


@register
class Scale(_PerChannel):
    type_name = "Scale"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.bias = spec.scale_param.bias_term

    def forward(self, bottoms, train):
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        gamma = self.params[0]
        beta = self.params[1] if self.bias else gamma  # any array when there is no bias
        self.ops.scale_forward(self._channels(out), self._channels(bottoms[0]), gamma, beta, self.bias)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        dbeta = self.grads[1] if self.bias else self.grads[0]
        self.ops.scale_backward(self._channels(dx), self.grads[0], dbeta, self._channels(top_diffs[0]),
                                self._channels(bottoms[0]), self.params[0], self.bias)  # fmt: skip
        return [dx]


@register
class Bias(_PerChannel):
    """A learned bias per channel: Scale's ops with factors of 1 (Caffe's BiasLayer)."""

    type_name = "Bias"

    def forward(self, bottoms, train):
        x = bottoms[0]
        out = self.buffer("top", x.shape, x.dtype)
        self.ops.scale_forward(
            self._channels(out),
            self._channels(x),
            self.ones(self.params[0].shape, x.dtype),
            self.params[0],
            True,
        )
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        unused = self.buffer("unused_factor_grad", self.params[0].shape, x.dtype)
        ones = self.ones(self.params[0].shape, x.dtype)
        self.ops.scale_backward(self._channels(dx), unused, self.grads[0], self._channels(top_diffs[0]),
                                self._channels(x), ones, True)  # fmt: skip
        return [dx]
