"""Convolution and inner-product plumbing: the wide (O, N*P) layout of a batched GEMM to and from
(N, O, P), bias rows, and row / column sums (bias gradients).

The reorders are Numba loops copying contiguous runs of P, image by image (over the thread pool
when the array is large): one pass where NumPy needs two (a bias add, then a transposed copy).
The sums and the bias broadcast are NumPy's own loops with ``out=``: its pairwise, SIMD summation
is faster and more accurate than a scalar float32 loop.
"""

import numba
import numpy as np

PARALLEL_MIN = 1 << 18  # below, a parallel region costs more than it saves
U = numba.uint64  # in-range indices as unsigned: no test for negative indices in the inner loops


@numba.njit(cache=True, nogil=True)
def _wide_to_nchw_images(out, wide, bias, has_bias, first, last):
    n_out, positions = out.shape[1], out.shape[2]
    zero = np.float32(0.0)
    if positions == 1:  # a transpose: no inner loop (its set-up would cost more than its one copy)
        for n in range(first, last):
            for o in range(n_out):
                out[n, o, 0] = wide[o, n] + (bias[o] if has_bias else zero)
        return
    for n in range(first, last):
        base = n * positions
        for o in range(n_out):
            b = bias[o] if has_bias else zero
            target, source = out[n, o], wide[o]
            for p in range(positions):
                target[U(p)] = source[U(base + p)] + b


@numba.njit(parallel=True, cache=True)
def wide_to_nchw(out, wide, bias, has_bias):
    """out[n, o, p] = wide[o, n * P + p] (+ bias[o] when has_bias), in one pass."""
    n_images = out.shape[0]
    if out.size < PARALLEL_MIN:
        _wide_to_nchw_images(out, wide, bias, has_bias, 0, n_images)
    else:
        for n in numba.prange(n_images):
            _wide_to_nchw_images(out, wide, bias, has_bias, n, n + 1)


@numba.njit(cache=True)
def _nchw_to_wide_images(wide, x, first, last):
    n_out, positions = x.shape[1], x.shape[2]
    if positions == 1:
        for n in range(first, last):
            for o in range(n_out):
                wide[o, n] = x[n, o, 0]
        return
    for n in range(first, last):
        base = n * positions
        for o in range(n_out):
            target, source = wide[o], x[n, o]
            for p in range(positions):
                target[U(base + p)] = source[U(p)]


@numba.njit(parallel=True, cache=True)
def nchw_to_wide(wide, x):
    """wide[o, n * P + p] = x[n, o, p]."""
    n_images = x.shape[0]
    if x.size < PARALLEL_MIN:
        _nchw_to_wide_images(wide, x, 0, n_images)
    else:
        for n in numba.prange(n_images):
            _nchw_to_wide_images(wide, x, n, n + 1)


def add_bias_columns(out, bias):
    """out (N, O) += bias (O,) on every row."""
    np.add(out, bias, out=out)


def sum_rows(out, m):
    """out (R,) = m (R, C) summed over its columns."""
    np.sum(m, axis=1, out=out)


def sum_columns(out, m):
    """out (C,) = m (R, C) summed over its rows."""
    np.sum(m, axis=0, out=out)
