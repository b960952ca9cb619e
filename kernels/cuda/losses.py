"""CUDA twins of ``kernels/cpu/losses.py`` (the formulas are there): each loss is one block that
sums in a fixed order (a stride per thread, then a shared-memory tree), so a loss is the same
from run to run; the backward pass is a grid-stride loop."""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks

FULL, VALID, BATCH_SIZE, NONE = 0, 1, 2, 3
LOG_THRESHOLD = np.float32(1e-20)  # Caffe's kLOG_THRESHOLD


@cuda.jit(device=True, cache=True)
def _block_sum(shared, mine):
    """The sum of every thread's ``mine`` (thread 0 gets it), in a fixed order."""
    tid = cuda.threadIdx.x
    shared[tid] = mine
    cuda.syncthreads()
    step = THREADS // 2
    while step > 0:
        if tid < step:
            shared[tid] += shared[tid + step]
        cuda.syncthreads()
        step //= 2
    return shared[0]


@cuda.jit(device=True, cache=True)
def _normalizer(normalization, count, valid, num):
    """Caffe's get_normalizer (see the CPU file), at least 1."""
    if normalization == FULL:
        norm = count
    elif normalization == VALID:
        norm = valid
    elif normalization == BATCH_SIZE:
        norm = num
    else:
        norm = np.float32(1.0)
    return max(np.float32(1.0), norm)


@cuda.jit(cache=True)
def _euclidean_forward(diff, loss, a, b, num):
    sums = cuda.shared.array(THREADS, np.float32)
    mine = np.float32(0.0)
    for i in range(cuda.threadIdx.x, a.shape[0], THREADS):
        d = a[i] - b[i]
        diff[i] = d
        mine += d * d
    total = _block_sum(sums, mine)
    if cuda.threadIdx.x == 0:
        loss[0] = total / (np.float32(2.0) * num)


@cuda.jit(cache=True)
def _sigmoid_cross_entropy_forward(loss, normalizer, x, target, num, ignore, has_ignore, normalization):
    sums = cuda.shared.array(THREADS, np.float32)
    counts = cuda.shared.array(THREADS, np.float32)
    one, zero = np.float32(1.0), np.float32(0.0)
    mine = zero
    valid = zero
    for i in range(cuda.threadIdx.x, x.shape[0], THREADS):
        t = target[i]
        if has_ignore and int(t) == ignore:
            continue
        v = x[i]
        positive = one if v >= zero else zero
        mine -= v * (t - positive) - math.log(one + math.exp(v - np.float32(2.0) * v * positive))
        valid += one
    total = _block_sum(sums, mine)
    valid_total = _block_sum(counts, valid)
    if cuda.threadIdx.x == 0:
        norm = _normalizer(normalization, np.float32(x.shape[0]), valid_total, np.float32(num))
        normalizer[0] = norm
        loss[0] = total / norm


@cuda.jit(cache=True)
def _contrastive_forward(diff, dist_sq, loss, a, b, similar, margin, legacy):
    sums = cuda.shared.array(THREADS, np.float32)
    zero = np.float32(0.0)
    rows, channels = a.shape
    mine = zero
    for j in range(cuda.threadIdx.x, rows, THREADS):
        square = zero
        for c in range(channels):
            d = a[j, c] - b[j, c]
            diff[j, c] = d
            square += d * d
        dist_sq[j] = square
        if int(similar[j]):
            mine += square
        elif legacy:
            mine += max(margin - square, zero)
        else:
            gap = max(margin - math.sqrt(square), zero)
            mine += gap * gap
    total = _block_sum(sums, mine)
    if cuda.threadIdx.x == 0:
        loss[0] = total / np.float32(rows) / np.float32(2.0)


@cuda.jit(cache=True)
def _contrastive_backward(dx, diff, dist_sq, similar, alpha, margin, legacy):
    rows, channels = diff.shape
    zero = np.float32(0.0)
    for i in range(cuda.grid(1), rows * channels, cuda.gridsize(1)):
        j, c = i // channels, i % channels
        if int(similar[j]):
            beta = alpha
        elif legacy:
            beta = -alpha if margin - dist_sq[j] > zero else zero
        else:
            dist = math.sqrt(dist_sq[j])
            beta = -alpha * (margin - dist) / (dist + np.float32(1e-4)) if margin - dist > zero else zero
        dx[j, c] = beta * diff[j, c]


@cuda.jit(cache=True)
def _sigmoid_cross_entropy_backward(dx, x, target, normalizer, weight, ignore, has_ignore):
    one = np.float32(1.0)
    scale = weight / normalizer[0]
    for i in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        t = target[i]
        if has_ignore and int(t) == ignore:
            dx[i] = np.float32(0.0)
        else:
            dx[i] = scale * (one / (one + math.exp(-x[i])) - t)


def euclidean_loss_forward(diff, loss, a, b, num):
    _euclidean_forward[1, THREADS](diff, loss, a, b, np.float32(num))


def sigmoid_cross_entropy_forward(loss, normalizer, x, target, num, ignore, has_ignore, normalization):
    _sigmoid_cross_entropy_forward[1, THREADS](
        loss,
        normalizer,
        x,
        target,
        np.int32(num),
        np.int32(ignore),
        bool(has_ignore),
        np.int32(normalization),
    )


def sigmoid_cross_entropy_backward(dx, x, target, normalizer, weight, ignore, has_ignore):
    _sigmoid_cross_entropy_backward[_blocks(x.shape[0]), THREADS](
        dx, x, target, normalizer, np.float32(weight), np.int32(ignore), bool(has_ignore)
    )


def contrastive_loss_forward(diff, dist_sq, loss, a, b, similar, margin, legacy):
    _contrastive_forward[1, THREADS](diff, dist_sq, loss, a, b, similar, np.float32(margin), bool(legacy))


def contrastive_loss_backward(dx, diff, dist_sq, similar, alpha, margin, legacy):
    _contrastive_backward[_blocks(diff.size), THREADS](
        dx, diff, dist_sq, similar, np.float32(alpha), np.float32(margin), bool(legacy)
    )


@cuda.jit(cache=True)
def _hinge_forward(margins, loss, scores, labels, l2):
    sums = cuda.shared.array(THREADS, np.float32)
    n, classes = scores.shape
    zero, one = np.float32(0.0), np.float32(1.0)
    mine = zero
    for i in range(cuda.threadIdx.x, n * classes, THREADS):
        row, c = i // classes, i % classes
        v = -scores[row, c] if c == labels[row] else scores[row, c]
        m = max(one + v, zero)
        margins[row, c] = m
        mine += m * m if l2 else m
    total = _block_sum(sums, mine)
    if cuda.threadIdx.x == 0:
        loss[0] = total / np.float32(n)


@cuda.jit(cache=True)
def _hinge_backward(dx, margins, labels, scale, l2):
    n, classes = margins.shape
    for i in range(cuda.grid(1), n * classes, cuda.gridsize(1)):
        row, c = i // classes, i % classes
        m = margins[row, c]
        g = np.float32(2.0) * m if l2 else (np.float32(1.0) if m > 0 else np.float32(0.0))
        dx[row, c] = -scale * g if c == labels[row] else scale * g


@cuda.jit(cache=True)
def _multinomial_forward(loss, prob, labels):
    sums = cuda.shared.array(THREADS, np.float32)
    n = prob.shape[0]
    mine = np.float32(0.0)
    for i in range(cuda.threadIdx.x, n, THREADS):
        mine -= math.log(max(prob[i, labels[i]], LOG_THRESHOLD))
    total = _block_sum(sums, mine)
    if cuda.threadIdx.x == 0:
        loss[0] = total / np.float32(n)


@cuda.jit(cache=True)
def _multinomial_backward(dx, prob, labels, scale):
    n, classes = prob.shape
    for i in range(cuda.grid(1), n * classes, cuda.gridsize(1)):
        row, c = i // classes, i % classes
        dx[row, c] = -scale / max(prob[row, c], LOG_THRESHOLD) if c == labels[row] else np.float32(0.0)


@cuda.jit(cache=True)
def _infogain_forward(loss, normalizer, prob, labels, infogain, ignore, has_ignore, normalization):
    sums = cuda.shared.array(THREADS, np.float32)
    counts = cuda.shared.array(THREADS, np.float32)
    n, classes, s = prob.shape
    zero, one = np.float32(0.0), np.float32(1.0)
    mine = zero
    valid = zero
    for position in range(cuda.threadIdx.x, n * s, THREADS):
        i, p = position // s, position % s
        label = labels[position]
        if has_ignore and label == ignore:
            continue
        for c in range(classes):
            mine -= infogain[label, c] * math.log(max(prob[i, c, p], LOG_THRESHOLD))
        valid += one
    total = _block_sum(sums, mine)
    valid_total = _block_sum(counts, valid)
    if cuda.threadIdx.x == 0:
        norm = _normalizer(normalization, np.float32(n * s), valid_total, np.float32(n))
        normalizer[0] = norm
        loss[0] = total / norm


@cuda.jit(cache=True)
def _infogain_backward(dx, prob, labels, infogain, normalizer, weight, ignore, has_ignore):
    n, classes, s = prob.shape
    scale = weight / normalizer[0]
    for index in range(cuda.grid(1), n * classes * s, cuda.gridsize(1)):
        i, rest = index // (classes * s), index % (classes * s)
        c, p = rest // s, rest % s
        label = labels[i * s + p]
        if has_ignore and label == ignore:
            dx[i, c, p] = np.float32(0.0)
            continue
        row = np.float32(0.0)
        for k in range(classes):
            row += infogain[label, k]
        dx[i, c, p] = scale * (prob[i, c, p] * row - infogain[label, c])


def hinge_loss_forward(margins, loss, scores, labels, l2):
    _hinge_forward[1, THREADS](margins, loss, scores, labels, bool(l2))


def hinge_loss_backward(dx, margins, labels, scale, l2):
    _hinge_backward[_blocks(margins.size), THREADS](dx, margins, labels, np.float32(scale), bool(l2))


def multinomial_logistic_forward(loss, prob, labels):
    _multinomial_forward[1, THREADS](loss, prob, labels)


def multinomial_logistic_backward(dx, prob, labels, scale):
    _multinomial_backward[_blocks(prob.size), THREADS](dx, prob, labels, np.float32(scale))


def infogain_loss_forward(loss, normalizer, prob, labels, infogain, ignore, has_ignore, normalization):
    _infogain_forward[1, THREADS](loss, normalizer, prob, labels, infogain, np.int32(ignore),
                                  bool(has_ignore), np.int32(normalization))  # fmt: skip


def infogain_loss_backward(dx, prob, labels, infogain, normalizer, weight, ignore, has_ignore):
    _infogain_backward[_blocks(prob.size), THREADS](dx, prob, labels, infogain, normalizer,
                                                    np.float32(weight), np.int32(ignore),
                                                    bool(has_ignore))  # fmt: skip
