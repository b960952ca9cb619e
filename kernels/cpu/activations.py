"""ReLU (leaky with ``slope``), sigmoid and tanh over flat float32 vectors, forward and backward.

The piecewise-linear ops and the backward passes are Numba loops (serial below ``PARALLEL_MIN``
elements, over the thread pool above). tanh and sigmoid go through NumPy's ``tanh``, which is
vectorized (SIMD) and many times faster than a scalar ``tanhf`` per element in a Numba loop.
sigmoid(x) = 0.5 tanh(0.5 x) + 0.5, as Caffe computes it (no overflow for large |x|).
"""

import numba
import numpy as np

PARALLEL_MIN = 1 << 18  # below, a parallel region costs more than it saves
_HALF = np.float32(0.5)


@numba.njit(parallel=True, cache=True)
def relu_forward(out, x, slope):
    """out = x > 0 ? x : slope * x."""
    s = np.float32(slope)
    zero = np.float32(0.0)
    n = out.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            v = x[i]
            out[i] = v if v > zero else s * v
    else:
        for i in numba.prange(n):
            v = x[i]
            out[i] = v if v > zero else s * v


@numba.njit(parallel=True, cache=True)
def relu_backward(dx, dy, x, slope):
    """dx = x > 0 ? dy : slope * dy."""
    s = np.float32(slope)
    zero = np.float32(0.0)
    n = dx.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            dx[i] = dy[i] if x[i] > zero else s * dy[i]
    else:
        for i in numba.prange(n):
            dx[i] = dy[i] if x[i] > zero else s * dy[i]


def sigmoid_forward(out, x):
    """out = 1 / (1 + exp(-x)), computed as 0.5 tanh(0.5 x) + 0.5."""
    np.multiply(x, _HALF, out=out)
    np.tanh(out, out=out)
    np.multiply(out, _HALF, out=out)
    np.add(out, _HALF, out=out)


@numba.njit(parallel=True, cache=True)
def sigmoid_backward(dx, dy, y):
    """dx = dy * y * (1 - y)."""
    one = np.float32(1.0)
    n = dx.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            v = y[i]
            dx[i] = dy[i] * v * (one - v)
    else:
        for i in numba.prange(n):
            v = y[i]
            dx[i] = dy[i] * v * (one - v)


def tanh_forward(out, x):
    np.tanh(x, out=out)


@numba.njit(parallel=True, cache=True)
def tanh_backward(dx, dy, y):
    """dx = dy * (1 - y^2)."""
    one = np.float32(1.0)
    n = dx.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            v = y[i]
            dx[i] = dy[i] * (one - v * v)
    else:
        for i in numba.prange(n):
            v = y[i]
            dx[i] = dy[i] * (one - v * v)
