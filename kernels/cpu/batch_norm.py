"""Caffe's BatchNorm and its affine companion, the Scale layer, on (N, C, S) views (S = H·W).

BatchNorm normalizes each channel: y = (x - μ) / sqrt(σ² + eps). In training μ and σ² are the
batch's (σ² the biased variance, E[(x - μ)²]) and the layer's three blobs accumulate them:
factor ← factor·f + 1, mean ← mean·f + μ, var ← var·f + m/(m-1)·σ² (m = N·S, f the moving average
fraction). With global statistics μ = mean / factor and σ² = var / factor (0 while factor is 0).
Backward, with batch statistics: dx = (dy - mean(dy) - y·mean(dy·y)) / sqrt(σ² + eps); with
global ones dx = dy / sqrt(σ² + eps). Scale: y = x·γ[c] (+ β[c]); dγ = Σ dy·x, dβ = Σ dy, dx = dy·γ.
Channel sums add each row of S values in the data's type, in vector lanes, and the rows' sums in
float64 (``FAST``: reassociation only, so NaN and infinities still propagate to the cost).
"""

import math

import numba

FAST = {"reassoc", "contract", "nsz"}  # lets the row sums and the elementwise loops vectorize


@numba.njit(parallel=True, cache=True, fastmath=FAST)
def batch_norm_statistics(mean, var, running_mean, running_var, factor, x, fraction, update):
    n, c, s = x.shape
    m = n * s
    zero = x.dtype.type(0.0)
    for ch in numba.prange(c):
        total = 0.0
        for i in range(n):
            row = zero
            for p in range(s):
                row += x[i, ch, p]
            total += row
        mu = x.dtype.type(total / m)
        squares = 0.0
        for i in range(n):
            row = zero
            for p in range(s):
                d = x[i, ch, p] - mu
                row += d * d
            squares += row
        mean[ch] = mu
        var[ch] = squares / m
        if update:
            correction = m / (m - 1.0) if m > 1 else 1.0
            running_mean[ch] = running_mean[ch] * fraction + mean[ch]
            running_var[ch] = running_var[ch] * fraction + correction * var[ch]
    if update:
        factor[0] = factor[0] * fraction + 1.0


@numba.njit(cache=True)
def batch_norm_global(mean, var, running_mean, running_var, factor):
    scale = 0.0 if factor[0] == 0 else 1.0 / factor[0]
    for ch in range(mean.shape[0]):
        mean[ch] = running_mean[ch] * scale
        var[ch] = running_var[ch] * scale


@numba.njit(parallel=True, cache=True, fastmath=FAST)
def batch_norm_forward(out, x, mean, var, eps):
    n, c, s = x.shape
    for i in numba.prange(n):
        for ch in range(c):
            inverse = x.dtype.type(1.0 / math.sqrt(var[ch] + eps))
            mu = mean[ch]
            for p in range(s):
                out[i, ch, p] = (x[i, ch, p] - mu) * inverse


@numba.njit(parallel=True, cache=True, fastmath=FAST)
def batch_norm_backward(dx, dy, y, var, eps, global_stats):
    n, c, s = dy.shape
    m = n * s
    zero = dy.dtype.type(0.0)
    for ch in numba.prange(c):
        inverse = dy.dtype.type(1.0 / math.sqrt(var[ch] + eps))
        sum_dy = 0.0
        sum_dy_y = 0.0
        if not global_stats:
            for i in range(n):
                row_dy = zero
                row_dy_y = zero
                for p in range(s):
                    row_dy += dy[i, ch, p]
                    row_dy_y += dy[i, ch, p] * y[i, ch, p]
                sum_dy += row_dy
                sum_dy_y += row_dy_y
        mean_dy = dy.dtype.type(sum_dy / m)
        mean_dy_y = dy.dtype.type(sum_dy_y / m)
        for i in range(n):
            for p in range(s):
                dx[i, ch, p] = (dy[i, ch, p] - mean_dy - y[i, ch, p] * mean_dy_y) * inverse


@numba.njit(parallel=True, cache=True, fastmath=FAST)
def scale_forward(out, x, gamma, beta, has_bias):
    n, c, s = x.shape
    for i in numba.prange(n):
        for ch in range(c):
            shift = beta[ch] if has_bias else x.dtype.type(0.0)
            factor = gamma[ch]
            for p in range(s):
                out[i, ch, p] = x[i, ch, p] * factor + shift


@numba.njit(parallel=True, cache=True, fastmath=FAST)
def scale_backward(dx, dgamma, dbeta, dy, x, gamma, has_bias):
    n, c, s = dy.shape
    zero = dy.dtype.type(0.0)
    for ch in numba.prange(c):
        total = 0.0
        weighted = 0.0
        factor = gamma[ch]
        for i in range(n):
            row_total = zero
            row_weighted = zero
            for p in range(s):
                row_total += dy[i, ch, p]
                row_weighted += dy[i, ch, p] * x[i, ch, p]
                dx[i, ch, p] = dy[i, ch, p] * factor
            total += row_total
            weighted += row_weighted
        dgamma[ch] = weighted
        if has_bias:
            dbeta[ch] = total
