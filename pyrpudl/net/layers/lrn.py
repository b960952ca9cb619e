"""Local response normalization (Caffe's LRN).

ACROSS_CHANNELS: scale = k + alpha / n * (sum of x^2 over n neighbouring channels);
WITHIN_CHANNEL:  scale = 1 + alpha * (average of x^2 over an n x n window, padding counted);
then y = x * scale^-beta.
"""

import numpy as np

from pyrpudl.kernels.cpu.pooling import ave_pool_backward, ave_pool_forward
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.proto import rpudl_model_pb2 as pb


def _channel_window_sum(values: np.ndarray, before: int, after: int, size: int) -> np.ndarray:
    """out[:, c] = sum of values[:, c - before .. c + after] (clipped), for every channel c."""
    padded = np.pad(values, [(0, 0), (before, after)] + [(0, 0)] * (values.ndim - 2))
    channels = values.shape[1]
    return sum(padded[:, offset : offset + channels] for offset in range(size))


@register
class LRN(Layer):
    type_name = "LRN"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        p = spec.lrn_param
        self.size, self.alpha, self.beta, self.k = p.local_size, p.alpha, p.beta, p.k
        self.across = p.norm_region == pb.LRNParameter.ACROSS_CHANNELS
        self.pre_pad = (self.size - 1) // 2
        self.scale = None

    def _pool_args(self):
        n, pad = self.size, self.pre_pad
        return n, n, pad, pad, 1, 1

    def forward(self, bottoms, train):
        x = bottoms[0]
        if self.across:
            window = _channel_window_sum(x * x, self.pre_pad, self.size - self.pre_pad - 1, self.size)
            self.scale = self.k + (self.alpha / self.size) * window
        else:
            pooled = np.empty_like(x)
            ave_pool_forward(pooled, np.ascontiguousarray(x * x), *self._pool_args())
            self.scale = 1 + self.alpha * pooled
        return [x * self.scale**-self.beta]

    def backward(self, top_diffs, bottoms, tops):
        x, diff, scale = bottoms[0], top_diffs[0], self.scale
        direct = diff * scale**-self.beta
        if self.across:
            ratio = diff * tops[0] / scale
            # channel c' receives from every c whose window holds c'
            gathered = _channel_window_sum(ratio, self.size - self.pre_pad - 1, self.pre_pad, self.size)
            return [direct - (2 * self.alpha * self.beta / self.size) * x * gathered]
        through_scale = diff * x * (-self.beta) * scale ** (-self.beta - 1) * self.alpha
        pooled_diff = np.empty_like(x)
        ave_pool_backward(pooled_diff, np.ascontiguousarray(through_scale), *self._pool_args())
        return [direct + pooled_diff * 2 * x]
