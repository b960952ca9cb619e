"""SoftmaxWithLoss (cross-entropy of the softmax over axis 1) and Accuracy, as Caffe defines them.

The loss averages over the labels that count (VALID normalization: all but ``ignore_label``);
Accuracy counts an example as right only when no other class scores at least as high as the
true one (a tie is wrong).
"""

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.layers.base import Layer, register
from pyrpudl.proto import rpudl_model_pb2 as pb


def softmax(scores: np.ndarray, axis: int = 1) -> np.ndarray:
    """Softmax over ``axis``, stable (the maximum is subtracted first)."""
    exp = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return exp / exp.sum(axis=axis, keepdims=True)


def _labels(layer: Layer, labels: np.ndarray, classes: int) -> np.ndarray:
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
    return codes


@register
class SoftmaxWithLoss(Layer):
    type_name = "SoftmaxWithLoss"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        loss = spec.loss_param
        self.ignore_label = loss.ignore_label if loss.HasField("ignore_label") else None
        self.normalization = loss.normalization
        if loss.HasField("normalize") and not loss.HasField("normalization"):
            self.normalization = pb.LossParameter.VALID if loss.normalize else pb.LossParameter.BATCH_SIZE
        self.probabilities = None

    def _normalizer(self, valid: int, codes: np.ndarray) -> float:
        mode = self.normalization
        if mode == pb.LossParameter.FULL:
            return float(codes.size)
        if mode == pb.LossParameter.BATCH_SIZE:
            return float(codes.shape[0])
        if mode == pb.LossParameter.NONE:
            return 1.0
        return float(max(valid, 1))

    def forward(self, bottoms, train):
        scores = bottoms[0]
        n, classes = scores.shape[:2]
        self.probabilities = softmax(scores.reshape(n, classes, -1))
        codes = _labels(self, bottoms[1], classes)
        keep = codes != self.ignore_label if self.ignore_label is not None else np.ones_like(codes, bool)
        picked = np.take_along_axis(self.probabilities, np.where(keep, codes, 0)[:, None, :], axis=1)[:, 0]
        tiny = np.finfo(scores.dtype).tiny  # Caffe's FLT_MIN floor inside the log
        loss = -np.log(np.maximum(picked, tiny))[keep].sum() / self._normalizer(int(keep.sum()), codes)
        return [np.asarray(loss, dtype=scores.dtype)]

    def backward(self, top_diffs, bottoms, tops):
        scores = bottoms[0]
        n, classes = scores.shape[:2]
        codes = _labels(self, bottoms[1], classes)
        keep = codes != self.ignore_label if self.ignore_label is not None else np.ones_like(codes, bool)
        diff = self.probabilities.copy()
        index = np.where(keep, codes, 0)[:, None, :]
        np.put_along_axis(diff, index, np.take_along_axis(diff, index, axis=1) - 1, axis=1)
        diff *= keep[:, None, :]
        diff *= float(top_diffs[0]) / self._normalizer(int(keep.sum()), codes)
        return [diff.reshape(scores.shape).astype(scores.dtype, copy=False), None]


@register
class Accuracy(Layer):
    type_name = "Accuracy"

    def __init__(self, spec, bottom_shapes, params=(), grads=()):
        super().__init__(spec, bottom_shapes, params, grads)
        p = spec.accuracy_param
        self.top_k = p.top_k
        self.ignore_label = p.ignore_label if p.HasField("ignore_label") else None

    def forward(self, bottoms, train):
        scores = bottoms[0]
        n, classes = scores.shape[:2]
        flat = scores.reshape(n, classes, -1)
        codes = _labels(self, bottoms[1], classes)
        keep = codes != self.ignore_label if self.ignore_label is not None else np.ones_like(codes, bool)
        true_scores = np.take_along_axis(flat, np.where(keep, codes, 0)[:, None, :], axis=1)
        better = (flat >= true_scores).sum(axis=1) - 1  # the true class itself is not "better"
        correct = (better < self.top_k) & keep
        return [np.asarray(correct.sum() / max(int(keep.sum()), 1), dtype=scores.dtype)]

    def backward(self, top_diffs, bottoms, tops):
        return [None, None]
