"""CUDA twins of ``kernels/cpu/combine.py``."""

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _concat_forward(out, x, offset):
    a, t, inner = x.shape
    for q in range(cuda.grid(1), a * t * inner, cuda.gridsize(1)):
        i, j, k = q // (t * inner), (q // inner) % t, q % inner
        out[i, offset + j, k] = x[i, j, k]


@cuda.jit(cache=True)
def _concat_backward(dx, dy, offset):
    a, t, inner = dx.shape
    for q in range(cuda.grid(1), a * t * inner, cuda.gridsize(1)):
        i, j, k = q // (t * inner), (q // inner) % t, q % inner
        dx[i, j, k] = dy[i, offset + j, k]


@cuda.jit(cache=True)
def _eltwise_max_forward(out, winner, x, index):
    for i in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        if index == 0 or x[i] > out[i]:
            out[i] = x[i]
            winner[i] = index


@cuda.jit(cache=True)
def _eltwise_max_backward(dx, dy, winner, index):
    for i in range(cuda.grid(1), dy.shape[0], cuda.gridsize(1)):
        dx[i] = dy[i] if winner[i] == index else np.float32(0.0)


@cuda.jit(cache=True)
def _argmax_forward(indices, values, x, top_k):
    outer, size, inner = x.shape
    for q in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
        o, i = q // inner, q % inner
        last_value, last_index = np.float32(np.inf), size
        for k in range(top_k):
            best = -1
            for d in range(size):
                v = x[o, d, i]
                if v < last_value or (v == last_value and d < last_index):
                    if best < 0 or v > x[o, best, i] or (v == x[o, best, i] and d > best):
                        best = d
            best = max(best, 0)
            indices[o, k, i] = np.float32(best)
            values[o, k, i] = x[o, best, i]
            last_value, last_index = x[o, best, i], best


def concat_forward(out, x, offset):
    _concat_forward[_blocks(x.size), THREADS](out, x, np.int32(offset))


def concat_backward(dx, dy, offset):
    _concat_backward[_blocks(dx.size), THREADS](dx, dy, np.int32(offset))


def eltwise_max_forward(out, winner, x, index):
    _eltwise_max_forward[_blocks(x.size), THREADS](out, winner, x, np.int32(index))


def eltwise_max_backward(dx, dy, winner, index):
    _eltwise_max_backward[_blocks(dy.size), THREADS](dx, dy, winner, np.int32(index))


def argmax_forward(indices, values, x, top_k):
    _argmax_forward[_blocks(x.shape[0] * x.shape[2]), THREADS](indices, values, x, np.int32(top_k))
