"""SoftmaxWithLoss (cross-entropy of the softmax over the classes' axis, 1 unless ``softmax_param``
or ``accuracy_param`` names another: 2 for a recurrent net's (T, N, classes) scores) and Accuracy,
as Caffe defines them.

The loss averages over the labels that count (VALID normalization: all but ``ignore_label``);
Accuracy counts an example as right only when no other class scores at least as high as the
true one (a tie is wrong).
"""

import math

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import class_axis
from pyrpudl.proto import rpudl_model_pb2 as pb


def softmax(scores: np.ndarray, axis: int = 1) -> np.ndarray:
    """Softmax over ``axis`` of a host array, stable (the maximum is subtracted first)."""
    exp = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return exp / exp.sum(axis=axis, keepdims=True)


def _labels(layer: Layer, labels, classes: int):
    """Labels as the int32 vector the kernels read, checked against the classes when on the host
    (on a GPU the trainer checks the whole dataset once instead)."""
    if not isinstance(labels, np.ndarray):
        return layer.flat(labels)
    codes = labels.astype(np.int64).reshape(labels.shape[0], -1)
    ignore = layer.ignore_label
    bad = (codes < 0) | (codes >= classes)
    if ignore is not None:
        bad &= codes != ignore
    if bad.any():
        raise InputError(
            f"layer {layer.name!r}: label {int(codes[bad][0])} is outside the {classes} classes "
            f"(0..{classes - 1}) that the layer below it scores"
        )
    return codes.astype(np.int32).ravel()


def class_view(layer: Layer, scores):
    """Scores as (outer, classes, inner) around the classes' axis: the kernels' (N, C, S)."""
    axis = class_axis(layer.spec, scores.shape)
    outer, classes = math.prod(scores.shape[:axis]), scores.shape[axis]
    return layer.backend.view(scores, (outer, classes, scores.size // (outer * classes)))


def normalization_mode(loss: pb.LossParameter, default: int) -> int:
    """Caffe's rule for a loss's divisor: ``normalization`` if given, else the old ``normalize``
    (true: VALID, false: BATCH_SIZE), else the layer's own default."""
    if loss.HasField("normalization"):
        return loss.normalization
    if loss.HasField("normalize"):
        return pb.LossParameter.VALID if loss.normalize else pb.LossParameter.BATCH_SIZE
    return default


@register
class SoftmaxWithLoss(Layer):
    type_name = "SoftmaxWithLoss"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        loss = spec.loss_param
        self.ignore_label = loss.ignore_label if loss.HasField("ignore_label") else None
        self.normalization = normalization_mode(loss, pb.LossParameter.VALID)

    def _ignore(self) -> tuple[int, bool]:
        return (0, False) if self.ignore_label is None else (self.ignore_label, True)

    def _scores(self, scores):
        return class_view(self, scores)

    def forward(self, bottoms, train):
        scores = self._scores(bottoms[0])
        probabilities = self.buffer("probabilities", scores.shape, scores.dtype)
        loss = self.buffer("top", (1,), scores.dtype)
        labels = _labels(self, bottoms[1], scores.shape[1])
        self.ops.softmax_loss_forward(
            probabilities, loss, scores, labels, *self._ignore(), self.normalization
        )
        return [self.backend.view(loss, ())]

    def backward(self, top_diffs, bottoms, tops):
        scores = self._scores(bottoms[0])
        labels = _labels(self, bottoms[1], scores.shape[1])
        dx = self.buffer("bottom_diff", scores.shape, scores.dtype)
        weight = float(top_diffs[0])  # the loss weight: a number on the host
        probabilities = self._buffers["probabilities"]
        self.ops.softmax_loss_backward(dx, probabilities, labels, weight, *self._ignore(), self.normalization)
        return [self.backend.view(dx, bottoms[0].shape), None]


@register
class Accuracy(Layer):
    type_name = "Accuracy"

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        p = spec.accuracy_param
        self.top_k = p.top_k
        self.ignore_label = p.ignore_label if p.HasField("ignore_label") else None

    def forward(self, bottoms, train):
        scores = class_view(self, bottoms[0])
        labels = _labels(self, bottoms[1], scores.shape[1])
        out = self.buffer("top", (1,), scores.dtype)
        ignore = (0, False) if self.ignore_label is None else (self.ignore_label, True)
        self.ops.accuracy(out, scores, labels, self.top_k, *ignore)
        return [self.backend.view(out, ())]

    def backward(self, top_diffs, bottoms, tops):
        return [None, None]
