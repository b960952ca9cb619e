"""The rest of darch's unit functions for fine-tuning on a backend: tanh and softmax with the bias
row added, and the deltas of backpropagation (row-major matrices, float32 or float64).

``kind`` codes a unit's derivative in terms of its output y: 0 y (1 - y) (sigmoid, and softmax as
darch takes it), 1 1 - y^2 (tanh), 2 one (linear). ``mode``: 0 an output layer under a squared
error, delta = (y - t) f'; 1 an output layer under the cross-entropy of sigmoid or softmax units,
delta = y - t; 2 a hidden layer, delta = back f' with back the delta propagated from above.
"""

import numba
import numpy as np


@numba.njit(cache=True)
def tanh_bias(out, a, bias):
    """out = tanh(a + bias), bias added to every row."""
    for r in range(a.shape[0]):
        for c in range(a.shape[1]):
            out[r, c] = np.tanh(a[r, c] + bias[c])


@numba.njit(cache=True)
def softmax_bias(out, a, bias):
    """out = softmax(a + bias) along each row (the largest value subtracted first)."""
    for r in range(a.shape[0]):
        top = a[r, 0] + bias[0]
        for c in range(1, a.shape[1]):
            top = max(top, a[r, c] + bias[c])
        total = a.dtype.type(0.0)
        for c in range(a.shape[1]):
            e = np.exp(a[r, c] + bias[c] - top)
            out[r, c] = e
            total += e
        for c in range(a.shape[1]):
            out[r, c] /= total


@numba.njit(cache=True, inline="always")
def slope(y, kind):
    one = y - y + 1
    if kind == 0:
        return y * (one - y)
    if kind == 1:
        return one - y * y
    return one


@numba.njit(cache=True)
def unit_delta(delta, y, other, kind, mode):
    """delta = (y - other) f'(y) (mode 0), y - other (mode 1) or other f'(y) (mode 2)."""
    for r in range(y.shape[0]):
        for c in range(y.shape[1]):
            v = y[r, c]
            if mode == 0:
                delta[r, c] = (v - other[r, c]) * slope(v, kind)
            elif mode == 1:
                delta[r, c] = v - other[r, c]
            else:
                delta[r, c] = other[r, c] * slope(v, kind)
