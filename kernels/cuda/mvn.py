"""CUDA twins of ``kernels/cpu/mvn.py`` (the formulas are there): a block per row, its threads
striding over the row, a shared-memory tree adding their sums in a fixed order."""

import math

import numpy as np
from numba import cuda

from .grid import MAX_BLOCKS, THREADS

PAIRS = 2 * THREADS  # two partial sums per thread; a shared array's size must be a global constant


# beside its kernels, not imported from batch_norm.py: Numba's disk cache tracks only the file a
# kernel is defined in
@cuda.jit(device=True, inline=True)
def _row_sums(partial, t, first, second):
    """The block's totals of ``first`` and ``second`` (every thread gets them)."""
    partial[t] = first
    partial[THREADS + t] = second
    cuda.syncthreads()
    step = THREADS // 2
    while step > 0:
        if t < step:
            partial[t] += partial[t + step]
            partial[THREADS + t] += partial[THREADS + t + step]
        cuda.syncthreads()
        step //= 2
    a, b = partial[0], partial[THREADS]
    cuda.syncthreads()  # the next row's sums reuse the array
    return a, b


@cuda.jit(cache=True)
def _forward(y, sigma, x, normalize_variance, eps):
    partial = cuda.shared.array(PAIRS, np.float32)
    rows, size = x.shape
    t = cuda.threadIdx.x
    zero = np.float32(0.0)
    for r in range(cuda.blockIdx.x, rows, cuda.gridDim.x):
        total = zero
        for d in range(t, size, THREADS):
            total += x[r, d]
        total, _ = _row_sums(partial, t, total, zero)
        mean = total / np.float32(size)
        squares = zero
        for d in range(t, size, THREADS):
            centred = x[r, d] - mean
            squares += centred * centred
        squares, _ = _row_sums(partial, t, squares, zero)
        deviation = math.sqrt(squares / np.float32(size)) + eps if normalize_variance else np.float32(1.0)
        for d in range(t, size, THREADS):
            y[r, d] = (x[r, d] - mean) / deviation if normalize_variance else x[r, d] - mean
        if t == 0:
            sigma[r] = deviation


@cuda.jit(cache=True)
def _backward(dx, dy, y, sigma, normalize_variance):
    partial = cuda.shared.array(PAIRS, np.float32)
    rows, size = dy.shape
    t = cuda.threadIdx.x
    zero = np.float32(0.0)
    for r in range(cuda.blockIdx.x, rows, cuda.gridDim.x):
        gradient, weighted = zero, zero
        for d in range(t, size, THREADS):
            gradient += dy[r, d]
            weighted += y[r, d] * dy[r, d]
        gradient, weighted = _row_sums(partial, t, gradient, weighted)
        mean_dy, mean_ydy = gradient / np.float32(size), weighted / np.float32(size)
        for d in range(t, size, THREADS):
            if normalize_variance:
                dx[r, d] = (dy[r, d] - mean_dy - y[r, d] * mean_ydy) / sigma[r]
            else:
                dx[r, d] = dy[r, d] - mean_dy


def mvn_forward(y, sigma, x, normalize_variance, eps):
    _forward[max(1, min(x.shape[0], MAX_BLOCKS)), THREADS](
        y, sigma, x, bool(normalize_variance), np.float32(eps)
    )


def mvn_backward(dx, dy, y, sigma, normalize_variance):
    _backward[max(1, min(dy.shape[0], MAX_BLOCKS)), THREADS](dx, dy, y, sigma, bool(normalize_variance))
