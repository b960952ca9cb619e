"""Element-wise activations: ReLU (with Caffe's negative_slope), Sigmoid, TanH."""

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
