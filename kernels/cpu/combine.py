"""Concat (copies into and out of a slab of the concatenation axis), Eltwise MAX and ArgMax."""

import numba
import numpy as np


@numba.njit(cache=True)
def concat_forward(out, x, offset):
    """out (A, T, I)[:, offset:offset + t, :] = x (A, t, I)."""
    out[:, offset : offset + x.shape[1], :] = x


@numba.njit(cache=True)
def concat_backward(dx, dy, offset):
    dx[...] = dy[:, offset : offset + dx.shape[1], :]


@numba.njit(cache=True)
def eltwise_max_forward(out, winner, x, index):
    """Bottom ``index`` into the running maximum; the first maximum wins (strictly greater replaces)."""
    for i in range(x.shape[0]):
        if index == 0 or x[i] > out[i]:
            out[i] = x[i]
            winner[i] = index


@numba.njit(cache=True)
def eltwise_max_backward(dx, dy, winner, index):
    for i in range(dy.shape[0]):
        dx[i] = dy[i] if winner[i] == index else 0


@numba.njit(cache=True)
def argmax_forward(indices, values, x, top_k):
    """Caffe's ArgMax over the middle axis of x (outer, D, inner): indices and values (outer, top_k,
    inner) of the top_k largest, largest first; of equal values the later index first (Caffe sorts
    (value, index) pairs, greatest first)."""
    outer, size, inner = x.shape
    for o in range(outer):
        for i in range(inner):
            last_value, last_index = np.inf, size  # the pair chosen before: each pick is below it
            for k in range(top_k):
                best = -1
                for d in range(size):
                    v = x[o, d, i]
                    if v < last_value or (v == last_value and d < last_index):
                        if best < 0 or v > x[o, best, i] or (v == x[o, best, i] and d > best):
                            best = d
                best = max(best, 0)  # only when every value left is NaN
                indices[o, k, i] = best
                values[o, k, i] = x[o, best, i]
                last_value, last_index = x[o, best, i], best
