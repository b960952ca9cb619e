"""Caffe's SPP (spatial pyramid pooling, He et al.): the input pooled into 1x1, 2x2, 4x4, ... bins
per channel whatever its height and width, the levels flattened and concatenated, so a classifier
after it sees a fixed length. Each level is one of our Pooling layers with Caffe's window
(shapes.spp_levels); one level alone gives that pooling's (N, C, 1, 1), as Caffe's."""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.pooling import Pooling
from pyrpudl.net.shapes import spp_levels


@register
class SPP(Layer):
    type_name = "SPP"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        height, width = bottom_shapes[0][2:]
        self.levels = [
            Pooling(level, bottom_shapes, backend=self.backend) for level in spp_levels(spec, height, width)
        ]

    def forward(self, bottoms, train):
        outs = [level.forward(bottoms, train)[0] for level in self.levels]
        if len(outs) == 1:
            return outs
        n = bottoms[0].shape[0]
        top = self.buffer("top", (n, self.top_shapes[0][1]), bottoms[0].dtype)
        wide = self.backend.view(top, (n, top.shape[1], 1))
        offset = 0
        for out in outs:
            self.ops.concat_forward(wide, self.backend.view(out, (n, out.size // n, 1)), offset)
            offset += out.size // n
        return [top]

    def backward(self, top_diffs, bottoms, tops):
        if len(self.levels) == 1:
            return self.levels[0].backward(top_diffs, bottoms, tops)
        n, be = bottoms[0].shape[0], self.backend
        wide = be.view(top_diffs[0], (n, top_diffs[0].shape[1], 1))
        total, offset = None, 0
        for index, level in enumerate(self.levels):
            shape = (n, *level.top_shapes[0][1:])
            part = self.buffer(f"level_diff{index}", shape, bottoms[0].dtype)
            size = part.size // n
            self.ops.concat_backward(be.view(part, (n, size, 1)), wide, offset)
            offset += size
            diff = level.backward([part], bottoms, None)[0]
            if total is None:  # the first level's own gradient buffer gathers the others'
                total = diff
            else:
                self.ops.add(self.flat(total), self.flat(total), self.flat(diff))
        return [total]
