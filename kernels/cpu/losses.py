"""Caffe's regression and per-element losses over flat vectors (the layers are in
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
