"""Element-wise ops over flat float32 vectors of one length; ``out`` may be one of the inputs.

Each kernel runs serially below ``PARALLEL_MIN`` elements (a parallel region costs tens of
microseconds to start, more than the whole loop on a small vector) and over Numba's thread pool
above, where memory bandwidth across cores pays. Scalars are cast to float32 so the arithmetic
stays in float32, as on the GPU.
"""

import numba
import numpy as np

PARALLEL_MIN = 1 << 18  # below, a parallel region costs more than it saves


@numba.njit(parallel=True, cache=True)
def fill(out, value):
    v = np.float32(value)
    n = out.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            out[i] = v
    else:
        for i in numba.prange(n):
            out[i] = v


@numba.njit(parallel=True, cache=True)
def add(out, a, b):
    n = out.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            out[i] = a[i] + b[i]
    else:
        for i in numba.prange(n):
            out[i] = a[i] + b[i]


@numba.njit(parallel=True, cache=True)
def multiply(out, a, b):
    n = out.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            out[i] = a[i] * b[i]
    else:
        for i in numba.prange(n):
            out[i] = a[i] * b[i]


@numba.njit(parallel=True, cache=True)
def axpby(out, alpha, x, beta, y):
    """out = alpha * x + beta * y."""
    a, b = np.float32(alpha), np.float32(beta)
    n = out.shape[0]
    if n < PARALLEL_MIN:
        for i in range(n):
            out[i] = a * x[i] + b * y[i]
    else:
        for i in numba.prange(n):
            out[i] = a * x[i] + b * y[i]
