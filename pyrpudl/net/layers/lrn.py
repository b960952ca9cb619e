"""Local response normalization (Caffe's LRN).

ACROSS_CHANNELS: scale = k + alpha / n * (sum of x^2 over n neighbouring channels);
WITHIN_CHANNEL:  scale = 1 + alpha * (average of x^2 over an n x n window, padding counted);
then y = x * scale^-beta.
"""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.proto import rpudl_model_pb2 as pb


@register
class LRN(Layer):
    type_name = "LRN"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        p = spec.lrn_param
        self.size, self.alpha, self.beta, self.k = p.local_size, p.alpha, p.beta, p.k
        self.across = p.norm_region == pb.LRNParameter.ACROSS_CHANNELS

    def forward(self, bottoms, train):
        x = bottoms[0]
        out = self.buffer("top", x.shape, x.dtype)
        scale = self.buffer("scale", x.shape, x.dtype)
        if self.across:
            self.ops.lrn_across_forward(out, scale, x, self.size, self.alpha, self.beta, self.k)
        else:
            self.ops.lrn_within_forward(out, scale, x, self.size, self.alpha, self.beta)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        x, scale = bottoms[0], self._buffers["scale"]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        if self.across:
            self.ops.lrn_across_backward(
                dx, top_diffs[0], x, tops[0], scale, self.size, self.alpha, self.beta
            )
        else:
            self.ops.lrn_within_backward(dx, top_diffs[0], x, scale, self.size, self.alpha, self.beta)
        return [dx]
