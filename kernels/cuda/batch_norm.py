"""CUDA twins of ``kernels/cpu/batch_norm.py`` (see it for the formulas).

The channel statistics and both backward passes give each channel a block: its 256 threads stride
over the channel's N·S values (consecutive threads, consecutive pixels), then a shared-memory tree
adds their partial sums in a fixed order, and the same block writes the channel's outputs. The
forward normalization and the Scale forward are grid-stride loops, one thread per element.
"""

import math

import numpy as np
from numba import cuda

from .grid import MAX_BLOCKS, THREADS
from .grid import blocks as _blocks

PAIRS = 2 * THREADS  # two partial sums per thread (a shared array's size must be a constant)


@cuda.jit(device=True, inline=True)
def _block_sums(partial, t, first, second):
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
    cuda.syncthreads()  # the next channel's sums reuse the array
    return a, b


@cuda.jit(cache=True)
def _statistics(mean, var, running_mean, running_var, factor, x, fraction, update):
    partial = cuda.shared.array(PAIRS, np.float32)
    n, c, s = x.shape
    m = n * s
    t = cuda.threadIdx.x
    for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
        total = np.float32(0.0)
        for q in range(t, m, THREADS):
            total += x[q // s, ch, q % s]
        total, _ = _block_sums(partial, t, total, np.float32(0.0))
        mu = total / np.float32(m)
        squares = np.float32(0.0)
        for q in range(t, m, THREADS):
            d = x[q // s, ch, q % s] - mu
            squares += d * d
        squares, _ = _block_sums(partial, t, squares, np.float32(0.0))
        if t == 0:
            mean[ch] = mu
            var[ch] = squares / np.float32(m)
            if update:
                correction = np.float32(m) / np.float32(m - 1) if m > 1 else np.float32(1.0)
                running_mean[ch] = running_mean[ch] * fraction + mu
                running_var[ch] = running_var[ch] * fraction + correction * var[ch]
                if ch == 0:
                    factor[0] = factor[0] * fraction + np.float32(1.0)


@cuda.jit(cache=True)
def _global(mean, var, running_mean, running_var, factor):
    scale = np.float32(0.0) if factor[0] == 0 else np.float32(1.0) / factor[0]
    for ch in range(cuda.grid(1), mean.shape[0], cuda.gridsize(1)):
        mean[ch] = running_mean[ch] * scale
        var[ch] = running_var[ch] * scale


@cuda.jit(cache=True)
def _forward(out, x, mean, var, eps):
    n, c, s = x.shape
    for q in range(cuda.grid(1), n * c * s, cuda.gridsize(1)):
        i, ch, p = q // (c * s), (q // s) % c, q % s
        out[i, ch, p] = (x[i, ch, p] - mean[ch]) / math.sqrt(var[ch] + eps)


@cuda.jit(cache=True)
def _backward(dx, dy, y, var, eps, global_stats):
    partial = cuda.shared.array(PAIRS, np.float32)
    n, c, s = dy.shape
    m = n * s
    t = cuda.threadIdx.x
    for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
        inverse = np.float32(1.0) / math.sqrt(var[ch] + eps)
        mean_dy = np.float32(0.0)
        mean_dy_y = np.float32(0.0)
        if not global_stats:  # the same for every thread of the block: its syncthreads are safe
            for q in range(t, m, THREADS):
                g = dy[q // s, ch, q % s]
                mean_dy += g
                mean_dy_y += g * y[q // s, ch, q % s]
            mean_dy, mean_dy_y = _block_sums(partial, t, mean_dy, mean_dy_y)
            mean_dy /= np.float32(m)
            mean_dy_y /= np.float32(m)
        for q in range(t, m, THREADS):
            i, p = q // s, q % s
            dx[i, ch, p] = (dy[i, ch, p] - mean_dy - y[i, ch, p] * mean_dy_y) * inverse


@cuda.jit(cache=True)
def _scale_forward(out, x, gamma, beta, has_bias):
    n, c, s = x.shape
    for q in range(cuda.grid(1), n * c * s, cuda.gridsize(1)):
        i, ch, p = q // (c * s), (q // s) % c, q % s
        value = x[i, ch, p] * gamma[ch]
        if has_bias:
            value += beta[ch]
        out[i, ch, p] = value


@cuda.jit(cache=True)
def _scale_backward(dx, dgamma, dbeta, dy, x, gamma, has_bias):
    partial = cuda.shared.array(PAIRS, np.float32)
    n, c, s = dy.shape
    m = n * s
    t = cuda.threadIdx.x
    for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
        total = np.float32(0.0)
        weighted = np.float32(0.0)
        for q in range(t, m, THREADS):
            i, p = q // s, q % s
            g = dy[i, ch, p]
            total += g
            weighted += g * x[i, ch, p]
            dx[i, ch, p] = g * gamma[ch]
        total, weighted = _block_sums(partial, t, total, weighted)
        if t == 0:
            dgamma[ch] = weighted
            if has_bias:
                dbeta[ch] = total


def _channel_blocks(channels: int) -> int:
    return max(1, min(channels, MAX_BLOCKS))


def batch_norm_statistics(mean, var, running_mean, running_var, factor, x, fraction, update):
    _statistics[_channel_blocks(x.shape[1]), THREADS](
        mean, var, running_mean, running_var, factor, x, np.float32(fraction), bool(update)
    )


def batch_norm_global(mean, var, running_mean, running_var, factor):
    _global[_blocks(mean.shape[0]), THREADS](mean, var, running_mean, running_var, factor)


def batch_norm_forward(out, x, mean, var, eps):
    _forward[_blocks(x.size), THREADS](out, x, mean, var, np.float32(eps))


def batch_norm_backward(dx, dy, y, var, eps, global_stats):
    _backward[_channel_blocks(dy.shape[1]), THREADS](dx, dy, y, var, np.float32(eps), bool(global_stats))


def scale_forward(out, x, gamma, beta, has_bias):
    _scale_forward[_blocks(x.size), THREADS](out, x, gamma, beta, bool(has_bias))


def scale_backward(dx, dgamma, dbeta, dy, x, gamma, has_bias):
    _scale_backward[_channel_blocks(dy.shape[1]), THREADS](dx, dgamma, dbeta, dy, x, gamma, bool(has_bias))
