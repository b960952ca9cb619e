"""Caffe's classifier losses besides SoftmaxWithLoss, over class scores and integer labels (the
formulas are in kernels/cpu/losses.py):

- HingeLoss: the one-against-all SVM margin, L1 (default) or L2 (``hinge_loss_param { norm: L2 }``),
  summed over classes and divided by the batch.
- MultinomialLogisticLoss: −log of the label's probability, for a net that ends in its own Softmax
  layer (its bottom holds probabilities, not scores).
- InfogainLoss: SoftmaxWithLoss weighted by an information-gain matrix H (classes x classes), read
  from ``infogain_loss_param { source: }`` (a BlobProto file, relative to the working folder as in
  Caffe) or given as a third bottom; row ``label`` of H weighs the log-probabilities of every class,
  so H = identity is SoftmaxWithLoss and a diagonal H reweighs rare classes. Softmax over axis 1,
  ``loss_param``'s ignore_label and normalization (default VALID), an optional second top with
  the probabilities (an output only: a gradient reaching it is not passed on, as in Caffe 1.0).
"""

from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.caffemodel import blob_array, parse_binary
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.layers.softmax_loss import SoftmaxWithLoss, _labels
from pyrpudl.proto import rpudl_model_pb2 as pb


class _ClassifierLoss(Layer):
    """Scores (N, C, ...) and one label per example (and position)."""

    ignore_label = None

    def _rows(self, x):
        return self.backend.view(x, (x.shape[0], x.size // x.shape[0]))

    def _labels(self, bottoms):
        return _labels(self, bottoms[1], bottoms[0].shape[1])


@register
class HingeLoss(_ClassifierLoss):
    type_name = "HingeLoss"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.l2 = spec.hinge_loss_param.norm == pb.HingeLossParameter.L2

    def forward(self, bottoms, train):
        scores = self._rows(bottoms[0])
        margins = self.buffer("margins", scores.shape, scores.dtype)
        loss = self.buffer("top", (1,), scores.dtype)
        self.ops.hinge_loss_forward(margins, loss, scores, self._labels(bottoms), self.l2)
        return [self.backend.view(loss, ())]

    def backward(self, top_diffs, bottoms, tops):
        margins = self._buffers["margins"]
        dx = self.buffer("bottom_diff", margins.shape, margins.dtype)
        scale = float(top_diffs[0]) / margins.shape[0]
        self.ops.hinge_loss_backward(dx, margins, self._labels(bottoms), scale, self.l2)
        return [self.backend.view(dx, bottoms[0].shape), None]


@register
class MultinomialLogisticLoss(_ClassifierLoss):
    type_name = "MultinomialLogisticLoss"

    def forward(self, bottoms, train):
        prob = self._rows(bottoms[0])
        loss = self.buffer("top", (1,), prob.dtype)
        self.ops.multinomial_logistic_forward(loss, prob, self._labels(bottoms))
        return [self.backend.view(loss, ())]

    def backward(self, top_diffs, bottoms, tops):
        prob = self._rows(bottoms[0])
        dx = self.buffer("bottom_diff", prob.shape, prob.dtype)
        scale = float(top_diffs[0]) / prob.shape[0]
        self.ops.multinomial_logistic_backward(dx, prob, self._labels(bottoms), scale)
        return [self.backend.view(dx, bottoms[0].shape), None]


def read_infogain(path: str, classes: int, layer: str) -> np.ndarray:
    """The information-gain matrix (classes, classes) of a BlobProto file."""
    where = Path(path).expanduser()
    shape, values = blob_array(parse_binary(where, pb.BlobProto(), "infogain matrix", "a BlobProto file"))
    if values.size != classes * classes:
        raise InputError(
            f"layer {layer!r}: the infogain matrix {where} holds {values.size} values {list(shape)}, but "
            f"the net scores {classes} classes: give a {classes} x {classes} matrix"
        )
    return values.reshape(classes, classes).astype(np.float32)


@register
class InfogainLoss(SoftmaxWithLoss):
    """SoftmaxWithLoss's label, ignore_label and normalization handling (VALID by default, as
    Caffe's), with the log-probabilities weighed by H."""

    type_name = "InfogainLoss"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        loss, param = spec.loss_param, spec.infogain_loss_param
        if loss.HasField("normalize"):
            raise InputError(
                f'layer {self.name!r}: InfogainLoss takes loss_param {{ normalization: }}, not "normalize"'
            )
        if param.axis != 1:
            raise InputError(
                f"layer {self.name!r}: InfogainLoss over axis {param.axis} is not supported; use axis 1"
            )
        classes = bottom_shapes[0][1]
        self.infogain = None
        if len(bottom_shapes) < 3:
            if not param.source:
                raise InputError(
                    f"layer {self.name!r}: InfogainLoss needs its matrix: infogain_loss_param {{ source: "
                    '"H.binaryproto" } or a third bottom'
                )
            self.infogain = self.backend.to_device(read_infogain(param.source, classes, self.name))

    def _matrix(self, bottoms, classes):
        if self.infogain is not None:
            return self.infogain
        return self.backend.view(bottoms[2], (classes, classes))

    def forward(self, bottoms, train):
        scores = self._scores(bottoms[0])
        prob = self.buffer("probabilities", scores.shape, scores.dtype)
        loss = self.buffer("top", (1,), scores.dtype)
        normalizer = self.buffer("normalizer", (1,), scores.dtype)
        self.ops.softmax_forward(prob, scores)
        self.ops.infogain_loss_forward(loss, normalizer, prob, _labels(self, bottoms[1], scores.shape[1]),
                                       self._matrix(bottoms, scores.shape[1]), *self._ignore(),
                                       self.normalization)  # fmt: skip
        tops = [self.backend.view(loss, ())]
        if len(self.spec.top) > 1:
            tops.append(self.backend.view(prob, bottoms[0].shape))
        return tops

    def backward(self, top_diffs, bottoms, tops):
        prob = self._buffers["probabilities"]
        dx = self.buffer("bottom_diff", prob.shape, prob.dtype)
        self.ops.infogain_loss_backward(dx, prob, _labels(self, bottoms[1], prob.shape[1]),
                                        self._matrix(bottoms, prob.shape[1]),
                                        self._buffers["normalizer"], float(top_diffs[0]),
                                        *self._ignore())  # fmt: skip
        return [self.backend.view(dx, bottoms[0].shape), *([None] * (len(bottoms) - 1))]
