"""Concat (copies into and out of a slab of the concatenation axis) and Eltwise MAX."""

import numba


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
