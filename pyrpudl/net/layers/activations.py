"""Element-wise activations: ReLU (with Caffe's negative_slope), PReLU (learned slopes, one per
channel or one shared), Sigmoid, TanH."""

from pyrpudl.net.layers.base import Layer, register


class _Elementwise(Layer):
    """One op forward, one backward, over the flattened blob."""

    def _out(self, key, like):
        return self.buffer(key, like.shape, like.dtype)


@register
class ReLU(_Elementwise):
    type_name = "ReLU"

    def forward(self, bottoms, train):
        out = self._out("top", bottoms[0])
        self.ops.relu_forward(self.flat(out), self.flat(bottoms[0]), self.spec.relu_param.negative_slope)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        dx = self._out("bottom_diff", x)
        slope = self.spec.relu_param.negative_slope
        self.ops.relu_backward(self.flat(dx), self.flat(top_diffs[0]), self.flat(x), slope)
        return [dx]


@register
class Sigmoid(_Elementwise):
    type_name = "Sigmoid"

    def forward(self, bottoms, train):
        out = self._out("top", bottoms[0])
        self.ops.sigmoid_forward(self.flat(out), self.flat(bottoms[0]))
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self._out("bottom_diff", bottoms[0])
        self.ops.sigmoid_backward(self.flat(dx), self.flat(top_diffs[0]), self.flat(tops[0]))
        return [dx]


@register
class TanH(_Elementwise):
    type_name = "TanH"

    def forward(self, bottoms, train):
        out = self._out("top", bottoms[0])
        self.ops.tanh_forward(self.flat(out), self.flat(bottoms[0]))
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self._out("bottom_diff", bottoms[0])
        self.ops.tanh_backward(self.flat(dx), self.flat(top_diffs[0]), self.flat(tops[0]))
        return [dx]


@register
class PReLU(Layer):
    type_name = "PReLU"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.shared = spec.prelu_param.channel_shared

    def _channels(self, array):
        """(N, C, S), or (N, 1, C·S) when every channel shares the slope."""
        n = array.shape[0]
        c = 1 if self.shared else array.shape[1]
        return self.backend.view(array, (n, c, array.size // (n * c)))

    def forward(self, bottoms, train):
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        self.ops.prelu_forward(self._channels(out), self._channels(bottoms[0]), self.params[0])
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        dx = self.buffer("bottom_diff", bottoms[0].shape, bottoms[0].dtype)
        self.ops.prelu_backward(self._channels(dx), self.grads[0], self._channels(top_diffs[0]),
                                self._channels(bottoms[0]), self.params[0])  # fmt: skip
        return [dx]
