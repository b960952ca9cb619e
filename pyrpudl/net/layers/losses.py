"""Caffe's losses that compare a prediction with a target of the same size, for regression and
reconstruction (an autoencoder's target is its own input): EuclideanLoss and
SigmoidCrossEntropyLoss. The formulas are in kernels/cpu/losses.py.

- EuclideanLoss: Σ (a − b)² / (2·batch); both bottoms take a gradient (±).
- SigmoidCrossEntropyLoss: the cross-entropy of sigmoid(x) against targets in [0, 1], from the
  scores x (the sigmoid is inside, as in Caffe); ``loss_param``'s ``ignore_label`` skips targets,
  and ``normalization`` divides by the batch by default (Caffe's BATCH_SIZE for this layer;
  ``normalize: true`` means VALID). The targets take no gradient (Caffe refuses one).
- ContrastiveLoss (siamese nets): two feature rows per example and whether the pair is similar
  (1) or not (0): similar pairs are pulled together, dissimilar ones pushed ``margin`` apart.
"""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.softmax_loss import normalization_mode
from pyrpudl.proto import rpudl_model_pb2 as pb


def compared_gradients(layer: Layer, bottoms, diff, write) -> list:
    """The gradients of the two bottoms a loss compares (their difference ``diff``): ``write(dx,
    sign)`` fills one, sign +1 for the first bottom and -1 for the second; None where a bottom
    takes none."""
    grads = []
    for index, sign in enumerate((1.0, -1.0)):
        if not layer.propagate_down[index]:
            grads.append(None)
            continue
        dx = layer.buffer(f"bottom_diff{index}", diff.shape, diff.dtype)
        write(dx, sign)
        grads.append(layer.backend.view(dx, bottoms[index].shape))
    return grads


@register
class EuclideanLoss(Layer):
    type_name = "EuclideanLoss"

    def forward(self, bottoms, train):
        a, b = (self.flat(x) for x in bottoms)
        diff = self.buffer("diff", a.shape, a.dtype)
        loss = self.buffer("top", (1,), a.dtype)
        self.ops.euclidean_loss_forward(diff, loss, a, b, bottoms[0].shape[0])
        return [self.backend.view(loss, ())]

    def backward(self, top_diffs, bottoms, tops):
        diff = self._buffers["diff"]
        scale = float(top_diffs[0]) / bottoms[0].shape[0]  # the loss weight (a host number) / batch

        def write(dx, sign):
            self.ops.axpby(dx, sign * scale, diff, 0.0, diff)

        return compared_gradients(self, bottoms, diff, write)


@register
class SigmoidCrossEntropyLoss(Layer):
    type_name = "SigmoidCrossEntropyLoss"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        loss = spec.loss_param
        self.ignore = (loss.ignore_label, True) if loss.HasField("ignore_label") else (0, False)
        self.normalization = normalization_mode(loss, pb.LossParameter.BATCH_SIZE)

    def forward(self, bottoms, train):
        x, target = self.flat(bottoms[0]), self.flat(bottoms[1])
        loss = self.buffer("top", (1,), x.dtype)
        normalizer = self.buffer("normalizer", (1,), x.dtype)
        self.ops.sigmoid_cross_entropy_forward(
            loss, normalizer, x, target, bottoms[0].shape[0], *self.ignore, self.normalization
        )
        return [self.backend.view(loss, ())]

    def backward(self, top_diffs, bottoms, tops):
        x, target = self.flat(bottoms[0]), self.flat(bottoms[1])
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        weight = float(top_diffs[0])
        self.ops.sigmoid_cross_entropy_backward(
            dx, x, target, self._buffers["normalizer"], weight, *self.ignore
        )
        return [self.backend.view(dx, bottoms[0].shape), None]


@register
class ContrastiveLoss(Layer):
    type_name = "ContrastiveLoss"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        param = spec.contrastive_loss_param
        self.margin, self.legacy = float(param.margin), bool(param.legacy_version)

    def _rows(self, x):
        return self.backend.view(x, (x.shape[0], x.size // x.shape[0]))

    def forward(self, bottoms, train):
        a, b = self._rows(bottoms[0]), self._rows(bottoms[1])
        diff = self.buffer("diff", a.shape, a.dtype)
        dist_sq = self.buffer("dist_sq", (a.shape[0],), a.dtype)
        loss = self.buffer("top", (1,), a.dtype)
        self.ops.contrastive_loss_forward(
            diff, dist_sq, loss, a, b, self.flat(bottoms[2]), self.margin, self.legacy
        )
        return [self.backend.view(loss, ())]

    def backward(self, top_diffs, bottoms, tops):
        diff, dist_sq = self._buffers["diff"], self._buffers["dist_sq"]
        scale = float(top_diffs[0]) / diff.shape[0]

        def write(dx, sign):
            self.ops.contrastive_loss_backward(dx, diff, dist_sq, self.flat(bottoms[2]), sign * scale,
                                               self.margin, self.legacy)  # fmt: skip

        return [*compared_gradients(self, bottoms, diff, write), None]
