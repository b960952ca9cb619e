"""Caffe's BatchNorm and its affine companion, the Scale layer, on (N, C, S) views (S = H·W).

BatchNorm normalizes each channel: y = (x - μ) / sqrt(σ² + eps). In training μ and σ² are the
batch's (σ² the biased variance, E[(x - μ)²]) and the layer's three blobs accumulate them:
factor ← factor·f + 1, mean ← mean·f + μ, var ← var·f + m/(m-1)·σ² (m = N·S, f the moving average
fraction). With global statistics μ = mean / factor and σ² = var / factor (0 while factor is 0).
Backward, with batch statistics: dx = (dy - mean(dy) - y·mean(dy·y)) / sqrt(σ² + eps); with
global ones dx = dy / sqrt(σ² + eps). Scale: y = x·γ[c] (+ β[c]); dγ = Σ dy·x, dβ = Σ dy, dx = dy·γ.
Channel sums accumulate in float64.
"""

import math

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def batch_norm_statistics(mean, var, running_mean, running_var, factor, x, fraction, update):
    n, c, s = x.shape
    m = n * s
    for ch in numba.prange(c):
        total = 0.0
        for i in range(n):
            for p in range(s):
                total += x[i, ch, p]
        mu = total / m
        squares = 0.0
        for i in range(n):
            for p in range(s):
                d = x[i, ch, p] - mu
                squares += d * d
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


@numba.njit(parallel=True, cache=True)
def batch_norm_forward(out, x, mean, var, eps):
    n, c, s = x.shape
    for i in numba.prange(n):
        for ch in range(c):
            inverse = 1.0 / math.sqrt(var[ch] + eps)
            for p in range(s):
                out[i, ch, p] = (x[i, ch, p] - mean[ch]) * inverse


@numba.njit(parallel=True, cache=True)
def batch_norm_backward(dx, dy, y, var, eps, global_stats):
    n, c, s = dy.shape
    m = n * s
    for ch in numba.prange(c):
        inverse = 1.0 / math.sqrt(var[ch] + eps)
        mean_dy = 0.0
        mean_dy_y = 0.0
        if not global_stats:
            for i in range(n):
                for p in range(s):
                    mean_dy += dy[i, ch, p]
                    mean_dy_y += dy[i, ch, p] * y[i, ch, p]
            mean_dy /= m
            mean_dy_y /= m
        for i in range(n):
            for p in range(s):
                dx[i, ch, p] = (dy[i, ch, p] - mean_dy - y[i, ch, p] * mean_dy_y) * inverse


@numba.njit(parallel=True, cache=True)
def scale_forward(out, x, gamma, beta, has_bias):
    n, c, s = x.shape
    for i in numba.prange(n):
        for ch in range(c):
            shift = beta[ch] if has_bias else np.float32(0.0)
            for p in range(s):
                out[i, ch, p] = x[i, ch, p] * gamma[ch] + shift


@numba.njit(parallel=True, cache=True)
def scale_backward(dx, dgamma, dbeta, dy, x, gamma, has_bias):
    n, c, s = dy.shape
    for ch in numba.prange(c):
        total = 0.0
        weighted = 0.0
        for i in range(n):
            for p in range(s):
                total += dy[i, ch, p]
                weighted += dy[i, ch, p] * x[i, ch, p]
                dx[i, ch, p] = dy[i, ch, p] * gamma[ch]
        dgamma[ch] = weighted
        if has_bias:
            dbeta[ch] = total
