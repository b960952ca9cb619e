"""Caffe's MVN (mean-variance normalization) over rows of x (rows, D): each row (one channel of one
example, or a whole example with across_channels) less its mean, and with normalize_variance
divided by σ = sqrt(mean of the centred squares) + eps:

- ``mvn_forward(y, sigma, x, normalize_variance, eps)``: y = (x − mean) / σ; sigma (rows,) = σ
  (1 without normalize_variance).
- ``mvn_backward(dx, dy, y, sigma, normalize_variance)``: Caffe's gradient,
  dx = (dy − mean(dy) − y·mean(y·dy)) / σ, or dy − mean(dy) without normalize_variance.

Sums run in float64.
"""

import math

import numba


@numba.njit(parallel=True, cache=True)
def mvn_forward(y, sigma, x, normalize_variance, eps):
    rows, size = x.shape
    for r in numba.prange(rows):
        total = 0.0
        for d in range(size):
            total += x[r, d]
        mean = total / size
        squares = 0.0
        for d in range(size):
            centred = x[r, d] - mean
            y[r, d] = centred
            squares += float(centred) * float(centred)
        deviation = math.sqrt(squares / size) + eps if normalize_variance else 1.0
        sigma[r] = deviation
        if normalize_variance:
            for d in range(size):
                y[r, d] = y[r, d] / deviation


@numba.njit(parallel=True, cache=True)
def mvn_backward(dx, dy, y, sigma, normalize_variance):
    rows, size = dy.shape
    for r in numba.prange(rows):
        gradient = 0.0
        weighted = 0.0
        for d in range(size):
            gradient += dy[r, d]
            weighted += float(y[r, d]) * float(dy[r, d])
        mean_dy, mean_ydy = gradient / size, weighted / size
        if normalize_variance:
            for d in range(size):
                dx[r, d] = (dy[r, d] - mean_dy - y[r, d] * mean_ydy) / sigma[r]
        else:
            for d in range(size):
                dx[r, d] = dy[r, d] - mean_dy
