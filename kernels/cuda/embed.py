"""CUDA twins of ``kernels/cpu/embed.py``. The weight gradient sums each index's rows in order
without atomics: each row m first finds the next row with its index (a chain, int32 scratch),
then the first row of each index walks its chain."""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _embed_forward(out, x, weights, bias, has_bias):
    m, d = out.shape
    count = weights.shape[0]
    for k in range(cuda.grid(1), m * d, cuda.gridsize(1)):
        i, j = k // d, k % d
        value = x[i]
        row = int(value)
        if value != row or row < 0 or row >= count:  # not an index: NaN, which training stops at
            out[i, j] = math.nan
        elif has_bias:
            out[i, j] = weights[row, j] + bias[j]
        else:
            out[i, j] = weights[row, j]


@cuda.jit(cache=True)
def _embed_chain(chain, x, count):
    """chain[i] = the next row with x[i]'s index (m if none) when i is that index's first row,
    else -1 - that next row; rows that are not indices are never first."""
    m = x.shape[0]
    for i in range(cuda.grid(1), m, cuda.gridsize(1)):
        value = x[i]
        following = m
        for k in range(i + 1, m):
            if x[k] == value:
                following = k
                break
        first = value == int(value) and 0 <= value < count
        for k in range(i):
            if x[k] == value:
                first = False
                break
        chain[i] = following if first else -1 - following


@cuda.jit(cache=True)
def _zero(out):
    rows, d = out.shape
    for k in range(cuda.grid(1), rows * d, cuda.gridsize(1)):
        out[k // d, k % d] = np.float32(0)


@cuda.jit(cache=True)
def _embed_sum(dweights, chain, dy, x):
    m, d = dy.shape
    for k in range(cuda.grid(1), m * d, cuda.gridsize(1)):
        i, j = k // d, k % d
        following = chain[i]
        if following < 0:
            continue
        total = dy[i, j]
        while following < m:
            total += dy[following, j]
            following = -1 - chain[following]
        dweights[int(x[i]), j] = total


def embed_forward(out, x, weights, bias, has_bias):
    _embed_forward[_blocks(out.size), THREADS](out, x, weights, bias, bool(has_bias))


def embed_backward(dweights, chain, dy, x):
    _zero[_blocks(dweights.size), THREADS](dweights)
    _embed_chain[_blocks(x.size), THREADS](chain, x, dweights.shape[0])
    _embed_sum[_blocks(dy.size), THREADS](dweights, chain, dy, x)
