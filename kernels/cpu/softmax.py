"""Softmax, SoftmaxWithLoss and Accuracy over (N, C, S) arrays (C classes, S positions per image), with
Caffe's semantics: the loss sums -log(max(p, FLT_MIN)) over the valid positions (a position is valid
unless ``has_ignore`` and its label is ``ignore_label``) and divides by the normalizer of Caffe's
LossParameter.NormalizationMode; Accuracy counts a tie with the true class as wrong. Labels are (N·S,)
int32, position (n, s) at n·S + s.

The loss runs serially for a classifier (N·S is ~100 in training) and in parallel over the images
for score maps (a segmentation's), summing per image and then in image order, so both are
deterministic; Softmax over large arrays runs in parallel over the images.
"""

import math

import numba
import numpy as np

FLT_MIN = np.float32(1.1754944e-38)


@numba.njit(cache=True)
def normalizer(normalization, n, s, valid):
    """Caffe's LossParameter.NormalizationMode: 0 FULL (N·S), 1 VALID, 2 BATCH_SIZE (N), 3 NONE."""
    if normalization == 0:
        return float(n * s)
    if normalization == 2:
        return float(n)
    if normalization == 3:
        return 1.0
    return float(max(valid, 1))


@numba.njit(cache=True, inline="always")
def _softmax_at(out, x, i, p):
    c = x.shape[1]
    top = x[i, 0, p]
    for k in range(1, c):
        top = max(top, x[i, k, p])
    total = 0.0
    for k in range(c):
        e = math.exp(x[i, k, p] - top)
        out[i, k, p] = e
        total += e
    inverse = 1.0 / total
    for k in range(c):
        out[i, k, p] *= inverse


@numba.njit(parallel=True, cache=True)
def softmax_forward(out, x):
    n, _, s = x.shape
    for i in numba.prange(n):
        for p in range(s):
            _softmax_at(out, x, i, p)


@numba.njit(parallel=True, cache=True)
def softmax_backward(dx, dy, y):
    n, c, s = y.shape
    for i in numba.prange(n):
        for p in range(s):
            dot = 0.0
            for k in range(c):
                dot += dy[i, k, p] * y[i, k, p]
            for k in range(c):
                dx[i, k, p] = (dy[i, k, p] - dot) * y[i, k, p]


PARALLEL_POSITIONS = 4096  # from this many (image, position) pairs the loss runs on every core


def softmax_loss_forward(prob, loss, scores, labels, ignore_label, has_ignore, normalization):
    """A classifier's batch (N·S ~ 100) serially; a segmentation's score maps per image in
    parallel, each image's sum then added in image order (deterministic either way)."""
    n, _, s = scores.shape
    kernel = _softmax_loss_per_image if n * s >= PARALLEL_POSITIONS else _softmax_loss_serial
    kernel(prob, loss, scores, labels, ignore_label, has_ignore, normalization)


@numba.njit(cache=True, inline="always")
def _image_loss(prob, scores, labels, i, ignore_label, has_ignore):
    """Image ``i``'s softmax into ``prob``, and its sum of -log p(label) and count of valid positions."""
    s = scores.shape[2]
    total = 0.0
    valid = 0
    for p in range(s):
        _softmax_at(prob, scores, i, p)
        label = labels[i * s + p]
        if not (has_ignore and label == ignore_label):
            total -= math.log(max(prob[i, label, p], FLT_MIN))
            valid += 1
    return total, valid


@numba.njit(cache=True)
def _softmax_loss_serial(prob, loss, scores, labels, ignore_label, has_ignore, normalization):
    n, _, s = scores.shape
    total = 0.0
    valid = 0
    for i in range(n):
        image_total, image_valid = _image_loss(prob, scores, labels, i, ignore_label, has_ignore)
        total += image_total
        valid += image_valid
    loss[0] = total / normalizer(normalization, n, s, valid)


@numba.njit(parallel=True, cache=True)
def _softmax_loss_per_image(prob, loss, scores, labels, ignore_label, has_ignore, normalization):
    n, _, s = scores.shape
    totals = np.zeros(n)
    counts = np.zeros(n, np.int64)
    for i in numba.prange(n):
        totals[i], counts[i] = _image_loss(prob, scores, labels, i, ignore_label, has_ignore)
    total = 0.0
    valid = 0
    for i in range(n):  # in image order, as the serial kernel adds them
        total += totals[i]
        valid += counts[i]
    loss[0] = total / normalizer(normalization, n, s, valid)


@numba.njit(cache=True)
def softmax_loss_backward(dx, prob, labels, weight, ignore_label, has_ignore, normalization):
    n, c, s = prob.shape
    valid = 0
    for q in range(n * s):
        if not (has_ignore and labels[q] == ignore_label):
            valid += 1
    scale = weight / normalizer(normalization, n, s, valid)
    for i in range(n):
        for p in range(s):
            label = labels[i * s + p]
            if has_ignore and label == ignore_label:
                for k in range(c):
                    dx[i, k, p] = 0.0
            else:
                for k in range(c):
                    dx[i, k, p] = prob[i, k, p] * scale
                dx[i, label, p] = (prob[i, label, p] - 1.0) * scale


@numba.njit(cache=True)
def accuracy(out, scores, labels, top_k, ignore_label, has_ignore):
    n, c, s = scores.shape
    right = 0
    valid = 0
    for i in range(n):
        for p in range(s):
            label = labels[i * s + p]
            if has_ignore and label == ignore_label:
                continue
            valid += 1
            true = scores[i, label, p]
            better = 0  # other classes scoring at least as high as the true one (a tie is wrong)
            for k in range(c):
                if k != label and scores[i, k, p] >= true:
                    better += 1
            if better < top_k:
                right += 1
    out[0] = right / max(valid, 1)
