"""CUDA twins of ``kernels/cpu/softmax.py``.

Softmax runs one thread per (image, position), over the C classes. The loss and the accuracy are one
block of 256 threads: each thread handles positions q = tid, tid + 256, ..., then a shared-memory tree
sums the block's terms and counts in a fixed order (a training batch has ~100 positions). The loss
gradient runs one thread per element; every block first counts the valid labels itself (N·S is small),
so the normalizer needs no second launch (only VALID normalization with an ignore_label
counts at all).
"""

import math

import numpy as np
from numba import cuda

THREADS = 256  # also the width of the shared-memory reductions: a power of two
FLT_MIN = np.float32(1.1754944e-38)


def _blocks(n: int) -> int:
    return min((n + THREADS - 1) // THREADS, 4096) or 1


@cuda.jit(device=True, inline=True)
def _softmax_at(out, x, i, p):
    c = x.shape[1]
    top = x[i, 0, p]
    for k in range(1, c):
        top = max(top, x[i, k, p])
    total = np.float32(0.0)
    for k in range(c):
        e = math.exp(x[i, k, p] - top)
        out[i, k, p] = e
        total += e
    inverse = np.float32(1.0) / total
    for k in range(c):
        out[i, k, p] *= inverse


@cuda.jit(cache=True)
def _softmax_forward(out, x):
    n, _, s = x.shape
    for q in range(cuda.grid(1), n * s, cuda.gridsize(1)):
        _softmax_at(out, x, q // s, q % s)


@cuda.jit(cache=True)
def _softmax_backward(dx, dy, y):
    n, c, s = y.shape
    for q in range(cuda.grid(1), n * s, cuda.gridsize(1)):
        i, p = q // s, q % s
        dot = np.float32(0.0)
        for k in range(c):
            dot += dy[i, k, p] * y[i, k, p]
        for k in range(c):
            dx[i, k, p] = (dy[i, k, p] - dot) * y[i, k, p]


@cuda.jit(device=True, inline=True)
def _normalizer(normalization, n, s, valid):
    """Caffe's LossParameter.NormalizationMode: 0 FULL (N·S), 1 VALID, 2 BATCH_SIZE (N), 3 NONE."""
    if normalization == 0:
        return np.float32(n * s)
    if normalization == 2:
        return np.float32(n)
    if normalization == 3:
        return np.float32(1.0)
    return np.float32(max(valid, 1))


@cuda.jit(device=True, inline=True)
def _tree_sum(values, tid):
    """values[0] = the sum of the block's THREADS values (the caller synchronized after writing them)."""
    step = THREADS // 2
    while step > 0:
        if tid < step:
            values[tid] += values[tid + step]
        cuda.syncthreads()
        step //= 2


@cuda.jit(device=True, inline=True)
def _count_valid(counts, labels, ignore_label, tid):
    """The number of labels other than ``ignore_label``, summed by the whole block (all threads get it)."""
    valid = 0
    for q in range(tid, labels.shape[0], THREADS):
        if labels[q] != ignore_label:
            valid += 1
    counts[tid] = valid
    cuda.syncthreads()
    _tree_sum(counts, tid)
    return counts[0]


@cuda.jit(cache=True)
def _softmax_loss_forward(prob, loss, scores, labels, ignore_label, has_ignore, normalization):
    terms = cuda.shared.array(THREADS, np.float32)
    counts = cuda.shared.array(THREADS, np.int32)
    tid = cuda.threadIdx.x
    n, _, s = scores.shape
    mine = np.float32(0.0)
    valid = 0
    for q in range(tid, n * s, THREADS):
        i, p = q // s, q % s
        _softmax_at(prob, scores, i, p)
        label = labels[q]
        if not (has_ignore and label == ignore_label):
            mine -= math.log(max(prob[i, label, p], FLT_MIN))
            valid += 1
    terms[tid] = mine
    counts[tid] = valid
    cuda.syncthreads()
    _tree_sum(terms, tid)
    _tree_sum(counts, tid)
    if tid == 0:
        loss[0] = terms[0] / _normalizer(normalization, n, s, counts[0])


@cuda.jit(cache=True)
def _softmax_loss_backward(dx, prob, labels, weight, ignore_label, has_ignore, normalization):
    counts = cuda.shared.array(THREADS, np.int32)
    n, c, s = prob.shape
    valid = n * s
    if has_ignore and normalization == 1:  # the same for the whole block, so all threads synchronize
        valid = _count_valid(counts, labels, ignore_label, cuda.threadIdx.x)
    scale = weight / _normalizer(normalization, n, s, valid)
    for q in range(cuda.grid(1), n * c * s, cuda.gridsize(1)):
        i, k, p = q // (c * s), (q // s) % c, q % s
        label = labels[i * s + p]
        if has_ignore and label == ignore_label:
            dx[i, k, p] = np.float32(0.0)
        elif k == label:
            dx[i, k, p] = (prob[i, k, p] - np.float32(1.0)) * scale
        else:
            dx[i, k, p] = prob[i, k, p] * scale


@cuda.jit(cache=True)
def _accuracy(out, scores, labels, top_k, ignore_label, has_ignore):
    rights = cuda.shared.array(THREADS, np.int32)
    counts = cuda.shared.array(THREADS, np.int32)
    tid = cuda.threadIdx.x
    n, c, s = scores.shape
    right = 0
    valid = 0
    for q in range(tid, n * s, THREADS):
        i, p = q // s, q % s
        label = labels[q]
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
    rights[tid] = right
    counts[tid] = valid
    cuda.syncthreads()
    _tree_sum(rights, tid)
    _tree_sum(counts, tid)
    if tid == 0:
        out[0] = np.float32(rights[0]) / np.float32(max(counts[0], 1))


def softmax_forward(out, x):
    _softmax_forward[_blocks(x.shape[0] * x.shape[2]), THREADS](out, x)


def softmax_backward(dx, dy, y):
    _softmax_backward[_blocks(y.shape[0] * y.shape[2]), THREADS](dx, dy, y)


def softmax_loss_forward(prob, loss, scores, labels, ignore_label, has_ignore, normalization):
    _softmax_loss_forward[1, THREADS](
        prob, loss, scores, labels, np.int32(ignore_label), bool(has_ignore), np.int32(normalization)
    )


def softmax_loss_backward(dx, prob, labels, weight, ignore_label, has_ignore, normalization):
    _softmax_loss_backward[_blocks(prob.size), THREADS](
        dx,
        prob,
        labels,
        np.float32(weight),
        np.int32(ignore_label),
        bool(has_ignore),
        np.int32(normalization),
    )


def accuracy(out, scores, labels, top_k, ignore_label, has_ignore):
    _accuracy[1, THREADS](out, scores, labels, np.int32(top_k), np.int32(ignore_label), bool(has_ignore))
