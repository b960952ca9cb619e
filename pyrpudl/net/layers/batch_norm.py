"""Caffe's BatchNorm, Scale, Bias and MVN layers (ops in kernels/OPS.md, batch_norm.py, mvn.py).

BatchNorm only normalizes each channel; its three blobs (mean, variance, moving-average factor)
are statistics the forward pass keeps, not learned: Caffe forces their lr_mult to 0, and so do we
(``ParamBuffer.build``). With ``use_global_stats`` unset it normalizes by the batch's statistics in
the TRAIN phase (updating the blobs) and by the blobs' in TEST. Only training passes update them:
a test pass or a prediction with ``use_global_stats: false`` uses its batch's statistics but keeps
the blobs (Caffe's would fold the test batches into them). Scale, usually right after it, learns
the per-channel factor (and with ``bias_term`` the shift); Scale and Bias also take other axes
(``axis``, ``num_axes``) and their factors or shifts as a second bottom, as in Caffe. MVN
normalizes each example's channels (or, across_channels, each example) by their own mean and
standard deviation, with no statistics kept.
"""

import math

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import broadcast_axes
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


class _Broadcast(Layer):
    """Scale and Bias: the bottom seen as (outer, D, inner), with a factor (a shift) for each of
    the D values of its axes from ``axis``, learned or given as a second bottom (Caffe's)."""

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.axis, shape = broadcast_axes(spec, bottom_shapes)
        self.size = math.prod(shape)
        self.given = len(bottom_shapes) == 2  # the factors (shifts) are the second bottom

    def _around(self, array):
        outer = math.prod(array.shape[: self.axis])
        return self.backend.view(array, (outer, self.size, array.size // (outer * self.size)))

    def _values(self, array):
        return self.backend.view(array, (self.size,))

    def _values_gradient(self, index, dtype):
        """Where the gradient of the factors (shifts) goes: learned parameter ``index``'s, or a
        buffer for the second bottom's."""
        if self.given:
            return self.buffer("given_diff", (self.size,), dtype)
        return self._values(self.grads[index])

    def _bottom_gradients(self, dx, bottoms):
        if not self.given:
            return [dx]
        given = self.backend.view(self._buffers["given_diff"], bottoms[1].shape)
        return [dx, given if self.propagate_down[1] else None]


@register
class Scale(_Broadcast):
    type_name = "Scale"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.bias = spec.scale_param.bias_term

    def _factors(self, bottoms):
        return self._values(bottoms[1] if self.given else self.params[0])

    def forward(self, bottoms, train):
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        gamma = self._factors(bottoms)
        beta = self._values(self.params[-1]) if self.bias else gamma  # any array when there is no bias
        self.ops.scale_forward(self._around(out), self._around(bottoms[0]), gamma, beta, self.bias)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        dgamma = self._values_gradient(0, dx.dtype)
        dbeta = self._values(self.grads[-1]) if self.bias else dgamma
        self.ops.scale_backward(self._around(dx), dgamma, dbeta, self._around(top_diffs[0]),
                                self._around(bottoms[0]), self._factors(bottoms), self.bias)  # fmt: skip
        return self._bottom_gradients(dx, bottoms)


@register
class Bias(_Broadcast):
    """A shift for each value of the axes from ``axis`` (Caffe's BiasLayer), learned or given as a
    second bottom: Scale's ops with factors of 1."""

    type_name = "Bias"

    def _shifts(self, bottoms):
        return self._values(bottoms[1] if self.given else self.params[0])

    def forward(self, bottoms, train):
        x = bottoms[0]
        out = self.buffer("top", x.shape, x.dtype)
        ones = self.ones((self.size,), x.dtype)
        self.ops.scale_forward(self._around(out), self._around(x), ones, self._shifts(bottoms), True)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        unused = self.buffer("unused_factor_grad", (self.size,), x.dtype)
        ones = self.ones((self.size,), x.dtype)
        self.ops.scale_backward(self._around(dx), unused, self._values_gradient(0, x.dtype),
                                self._around(top_diffs[0]), self._around(x), ones, True)  # fmt: skip
        return self._bottom_gradients(dx, bottoms)


@register
class MVN(Layer):
    type_name = "MVN"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        p = spec.mvn_param
        self.normalize, self.across, self.eps = p.normalize_variance, p.across_channels, float(p.eps)

    def _rows(self, array):
        rows = array.shape[0] if self.across or array.ndim < 2 else array.shape[0] * array.shape[1]
        return self.backend.view(array, (rows, array.size // rows))

    def forward(self, bottoms, train):
        x = self._rows(bottoms[0])
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        sigma = self.buffer("sigma", (x.shape[0],), x.dtype)
        self.ops.mvn_forward(self._rows(out), sigma, x, self.normalize, self.eps)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        sigma = self._buffers["sigma"]
        self.ops.mvn_backward(
            self._rows(dx), self._rows(top_diffs[0]), self._rows(tops[0]), sigma, self.normalize
        )
        return [dx]
