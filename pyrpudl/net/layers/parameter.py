"""Caffe's Parameter layer: a learned blob of any shape as its top, with no bottom (a learned
input, a bias map or a query another layer reads). As in Caffe it has no filler: it starts at 0,
or holds what a loaded .caffemodel gives it."""

from pyrpudl.net.layers.base import Layer, register


@register
class Parameter(Layer):
    type_name = "Parameter"

    def forward(self, bottoms, train):
        return [self.params[0]]  # the readers never write their bottoms (in-place layers copy)

    def backward(self, top_diffs, bottoms, tops):
        if self.param_propagate_down[0]:
            rows = (1, self.grads[0].size)  # a copy: the gradient is the top's
            self.ops.scale(self.backend.view(self.grads[0], rows), self.backend.view(top_diffs[0], rows), 1.0)
        return []
