"""Caffe's losses other than SoftmaxWithLoss. Over flat vectors or rows (the layers are in
pyrpudl/net/layers/losses.py):

- EuclideanLoss: diff = a − b; loss = Σ diff² / (2·num). Its backward is ``axpby`` on ``diff``.
- SigmoidCrossEntropyLoss: loss = −Σ [t·log σ(x) + (1 − t)·log(1 − σ(x))] / normalizer, summed in
  Caffe's stable form x·(t − [x ≥ 0]) − log(1 + exp(x − 2·x·[x ≥ 0])), skipping targets whose
  integer part is ``ignore`` when ``has_ignore``; dx = weight·(σ(x) − t) / normalizer (0 where
  ignored). The normalizer follows ``normalization`` (LossParameter's codes: FULL 0 = all
  elements, VALID 1 = the elements not ignored, BATCH_SIZE 2 = ``num``, NONE 3 = 1), at least 1.
- ContrastiveLoss (Hadsell et al. 2006, as Caffe): rows a, b (N, C) and a similarity y (N,); with
  d² = ‖a − b‖², loss = Σ [y ? d² : max(margin − d, 0)²] / (2N) (``legacy``: max(margin − d², 0)
  for dissimilar rows). Gradient of a (b: the negative): α·(a − b) for a similar row, with
  α = ±weight / N; for a dissimilar one −α·(margin − d)/(d + 1e-4)·(a − b) (legacy: −α·(a − b))
  while the margin is not met, else 0.

Over class scores and integer labels (the layers are in pyrpudl/net/layers/classifier_losses.py):

- HingeLoss: m[n, c] = max(0, 1 + s[n, c]·(c == label ? −1 : 1)); loss = Σ m / N (L1) or Σ m² / N
  (L2). Gradient: ±[m > 0] (L1) or ±2·m (L2), − for the label's class, times weight / N.
- MultinomialLogisticLoss (on probabilities p, e.g. a Softmax layer's):
  loss = −Σ_n log(max(p[n, label], 1e-20)) / N; dp[n, label] = −weight / N / max(p[n, label], 1e-20).
- InfogainLoss (on scores: the softmax p is inside, as in Caffe 1.0), with an information-gain
  matrix H (C, C): loss = −Σ over valid (n, s) Σ_l H[label, l]·log(max(p[n, l, s], 1e-20)) / normalizer;
  dx[n, l, s] = (p[n, l, s]·Σ_k H[label, k] − H[label, l]) · weight / normalizer (0 where the label is
  ignored). The normalizer is the loss's (FULL N·S, VALID the valid count, BATCH_SIZE N, NONE 1), at
  least 1. H = identity gives SoftmaxWithLoss.

Sums run in float64 on the CPU; the CUDA twins sum float32 in a fixed order.
"""

import math

import numba
import numpy as np

FULL, VALID, BATCH_SIZE, NONE = 0, 1, 2, 3


@numba.njit(cache=True)
def euclidean_loss_forward(diff, loss, a, b, num):
    total = 0.0
    for i in range(a.shape[0]):
        d = a[i] - b[i]
        diff[i] = d
        total += float(d) * float(d)
    loss[0] = total / (2.0 * num)


@numba.njit(cache=True)
def loss_normalizer(normalization, count, valid, num):
    """Caffe's get_normalizer: the divisor of a loss of ``count`` elements, ``valid`` of them
    counted, over a batch of ``num``."""
    if normalization == FULL:
        value = count
    elif normalization == VALID:
        value = valid
    elif normalization == BATCH_SIZE:
        value = num
    else:
        value = 1
    return max(1.0, float(value))


@numba.njit(cache=True)
def sigmoid_cross_entropy_forward(loss, normalizer, x, target, num, ignore, has_ignore, normalization):
    total = 0.0
    valid = 0
    for i in range(x.shape[0]):
        t = target[i]
        if has_ignore and int(t) == ignore:
            continue
        v = float(x[i])
        positive = 1.0 if v >= 0 else 0.0
        total -= v * (float(t) - positive) - math.log(1.0 + math.exp(v - 2.0 * v * positive))
        valid += 1
    norm = loss_normalizer(normalization, x.shape[0], valid, num)
    normalizer[0] = norm
    loss[0] = total / norm


@numba.njit(cache=True)
def sigmoid_cross_entropy_backward(dx, x, target, normalizer, weight, ignore, has_ignore):
    scale = dx.dtype.type(weight / normalizer[0])
    one = dx.dtype.type(1.0)
    for i in range(x.shape[0]):
        t = target[i]
        if has_ignore and int(t) == ignore:
            dx[i] = 0
        else:
            dx[i] = scale * (one / (one + np.exp(-x[i])) - t)


@numba.njit(cache=True)
def contrastive_loss_forward(diff, dist_sq, loss, a, b, similar, margin, legacy):
    rows, channels = a.shape
    total = 0.0
    for j in range(rows):
        square = 0.0
        for c in range(channels):
            d = a[j, c] - b[j, c]
            diff[j, c] = d
            square += float(d) * float(d)
        dist_sq[j] = square
        if int(similar[j]):
            total += square
        elif legacy:
            total += max(margin - square, 0.0)
        else:
            gap = max(margin - math.sqrt(square), 0.0)
            total += gap * gap
    loss[0] = total / rows / 2.0


@numba.njit(cache=True)
def contrastive_loss_backward(dx, diff, dist_sq, similar, alpha, margin, legacy):
    rows, channels = diff.shape
    for j in range(rows):
        if int(similar[j]):
            beta = alpha
        elif legacy:
            beta = -alpha if margin - dist_sq[j] > 0 else 0.0
        else:
            dist = math.sqrt(dist_sq[j])
            beta = -alpha * (margin - dist) / (dist + 1e-4) if margin - dist > 0 else 0.0
        scale = dx.dtype.type(beta)
        for c in range(channels):
            dx[j, c] = scale * diff[j, c]


LOG_THRESHOLD = 1e-20  # Caffe's kLOG_THRESHOLD


@numba.njit(cache=True)
def hinge_loss_forward(margins, loss, scores, labels, l2):
    n, classes = scores.shape
    one = scores.dtype.type(1.0)
    total = 0.0
    for i in range(n):
        for c in range(classes):
            v = -scores[i, c] if c == labels[i] else scores[i, c]
            m = max(one + v, one - one)
            margins[i, c] = m
            total += float(m) * float(m) if l2 else float(m)
    loss[0] = total / n


@numba.njit(cache=True)
def hinge_loss_backward(dx, margins, labels, scale, l2):
    n, classes = margins.shape
    for i in range(n):
        for c in range(classes):
            m = margins[i, c]
            g = 2.0 * m if l2 else (1.0 if m > 0 else 0.0)
            dx[i, c] = -scale * g if c == labels[i] else scale * g


@numba.njit(cache=True)
def multinomial_logistic_forward(loss, prob, labels):
    n = prob.shape[0]
    total = 0.0
    for i in range(n):
        total -= math.log(max(float(prob[i, labels[i]]), LOG_THRESHOLD))
    loss[0] = total / n


@numba.njit(cache=True)
def multinomial_logistic_backward(dx, prob, labels, scale):
    n, classes = prob.shape
    for i in range(n):
        for c in range(classes):
            dx[i, c] = 0
        dx[i, labels[i]] = -scale / max(float(prob[i, labels[i]]), LOG_THRESHOLD)


@numba.njit(cache=True)
def infogain_loss_forward(loss, normalizer, prob, labels, infogain, ignore, has_ignore, normalization):
    n, classes, s = prob.shape
    total = 0.0
    valid = 0
    for i in range(n):
        for p in range(s):
            label = labels[i * s + p]
            if has_ignore and label == ignore:
                continue
            for c in range(classes):
                total -= infogain[label, c] * math.log(max(float(prob[i, c, p]), LOG_THRESHOLD))
            valid += 1
    norm = loss_normalizer(normalization, n * s, valid, n)
    normalizer[0] = norm
    loss[0] = total / norm


@numba.njit(cache=True)
def infogain_loss_backward(dx, prob, labels, infogain, normalizer, weight, ignore, has_ignore):
    n, classes, s = prob.shape
    scale = weight / normalizer[0]
    for i in range(n):
        for p in range(s):
            label = labels[i * s + p]
            if has_ignore and label == ignore:
                for c in range(classes):
                    dx[i, c, p] = 0
                continue
            row = 0.0
            for c in range(classes):
                row += infogain[label, c]
            for c in range(classes):
                dx[i, c, p] = scale * (prob[i, c, p] * row - infogain[label, c])
