"""CUDA twins of ``kernels/cpu/layout.py``: the wide (O, N*P) layout to and from (N, O, P), bias
rows, and row / column sums.

The reorders and the bias add are grid-stride loops, one thread per element of the array written.
The sums are deterministic tree reductions in shared memory (no atomics):

- ``sum_rows``: a row per block (256 lanes) when rows are long, else a row per warp (32 lanes, 8
  rows per block). Each lane keeps four running sums, so a lane has four loads in flight; the
  launch shape depends only on the matrix shape, hence so does the summation order.
- ``sum_columns``: a block sums a tile of 32 adjacent columns with 8 row groups (coalesced reads
  along each row), then adds the 8 partial sums of each column.
"""

import numpy as np
from numba import cuda

from .grid import MAX_BLOCKS, THREADS
from .grid import blocks as _blocks

WARP = 32
LONG_ROW = 1024  # from this many columns on, sum_rows gives a row a whole block


@cuda.jit(cache=True)
def _wide_to_nchw(out, wide, bias, has_bias):
    n_out, positions = out.shape[1], out.shape[2]
    for k in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        p = k % positions
        no = k // positions
        o = no % n_out
        n = no // n_out
        value = wide[o, n * positions + p]
        if has_bias:
            value += bias[o]
        out[n, o, p] = value


@cuda.jit(cache=True)
def _nchw_to_wide(wide, x):
    positions = x.shape[2]
    columns = wide.shape[1]
    for k in range(cuda.grid(1), wide.size, cuda.gridsize(1)):
        o = k // columns
        column = k - o * columns
        n = column // positions
        wide[o, column] = x[n, o, column - n * positions]


@cuda.jit(cache=True)
def _add_bias_columns(out, bias):
    columns = out.shape[1]
    for k in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        r = k // columns
        c = k - r * columns
        out[r, c] += bias[c]


@cuda.jit(cache=True)
def _sum_rows(out, m, lanes):
    partial = cuda.shared.array(THREADS, np.float32)
    rows, columns = m.shape
    t = cuda.threadIdx.x
    lane = t % lanes
    per_block = THREADS // lanes
    # every thread of a block runs the same iterations (the syncthreads below need that)
    for first in range(cuda.blockIdx.x * per_block, rows, cuda.gridDim.x * per_block):
        r = first + t // lanes
        a0 = np.float32(0.0)
        a1 = np.float32(0.0)
        a2 = np.float32(0.0)
        a3 = np.float32(0.0)
        if r < rows:
            i = lane
            while i + 3 * lanes < columns:
                a0 += m[r, i]
                a1 += m[r, i + lanes]
                a2 += m[r, i + 2 * lanes]
                a3 += m[r, i + 3 * lanes]
                i += 4 * lanes
            while i < columns:
                a0 += m[r, i]
                i += lanes
        partial[t] = (a0 + a1) + (a2 + a3)
        cuda.syncthreads()
        step = lanes // 2
        while step > 0:
            if lane < step:
                partial[t] += partial[t + step]
            cuda.syncthreads()
            step //= 2
        if lane == 0 and r < rows:
            out[r] = partial[t]


@cuda.jit(cache=True)
def _sum_columns(out, m):
    partial = cuda.shared.array(THREADS, np.float32)
    rows, columns = m.shape
    t = cuda.threadIdx.x
    tx = t % WARP
    ty = t // WARP
    groups = THREADS // WARP
    for first in range(cuda.blockIdx.x * WARP, columns, cuda.gridDim.x * WARP):
        c = first + tx
        total = np.float32(0.0)
        if c < columns:
            for r in range(ty, rows, groups):
                total += m[r, c]
        partial[t] = total
        cuda.syncthreads()
        step = groups // 2
        while step > 0:
            if ty < step:
                partial[t] += partial[t + step * WARP]
            cuda.syncthreads()
            step //= 2
        if ty == 0 and c < columns:
            out[c] = partial[t]


def wide_to_nchw(out, wide, bias, has_bias):
    """out[n, o, p] = wide[o, n * P + p] (+ bias[o] when has_bias)."""
    _wide_to_nchw[_blocks(out.size), THREADS](out, wide, bias, bool(has_bias))


def nchw_to_wide(wide, x):
    """wide[o, n * P + p] = x[n, o, p]."""
    _nchw_to_wide[_blocks(wide.size), THREADS](wide, x)


def add_bias_columns(out, bias):
    """out (N, O) += bias (O,) on every row."""
    _add_bias_columns[_blocks(out.size), THREADS](out, bias)


def sum_rows(out, m):
    """out (R,) = m (R, C) summed over its columns."""
    rows, columns = m.shape
    lanes = THREADS if columns >= LONG_ROW else WARP
    per_block = THREADS // lanes
    blocks = max(1, min((rows + per_block - 1) // per_block, MAX_BLOCKS))
    _sum_rows[blocks, THREADS](out, m, np.int32(lanes))


def sum_columns(out, m):
    """out (C,) = m (R, C) summed over its rows."""
    blocks = max(1, min((m.shape[1] + WARP - 1) // WARP, MAX_BLOCKS))
    _sum_columns[blocks, THREADS](out, m)
