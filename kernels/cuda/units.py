"""CUDA twins of ``kernels/cpu/units.py`` (float32; see there for ``kind`` and ``mode``)."""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _tanh_bias(out, a, bias):
    cols = a.shape[1]
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        out[r, c] = math.tanh(a[r, c] + bias[c])


@cuda.jit(cache=True)
def _softmax_bias(out, a, bias):
    """One thread per row: darch's outputs are a few classes wide."""
    cols = a.shape[1]
    for r in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        top = a[r, 0] + bias[0]
        for c in range(1, cols):
            top = max(top, a[r, c] + bias[c])
        total = np.float32(0.0)
        for c in range(cols):
            e = math.exp(a[r, c] + bias[c] - top)
            out[r, c] = e
            total += e
        for c in range(cols):
            out[r, c] /= total


@cuda.jit(device=True, inline=True)
def _slope(y, kind):
    one = np.float32(1.0)
    if kind == 0:
        return y * (one - y)
    if kind == 1:
        return one - y * y
    return one


@cuda.jit(cache=True)
def _unit_delta(delta, y, other, kind, mode):
    cols = y.shape[1]
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        v = y[r, c]
        if mode == 0:
            delta[r, c] = (v - other[r, c]) * _slope(v, kind)
        elif mode == 1:
            delta[r, c] = v - other[r, c]
        else:
            delta[r, c] = other[r, c] * _slope(v, kind)


def tanh_bias(out, a, bias):
    _tanh_bias[_blocks(a.size), THREADS](out, a, bias)


def softmax_bias(out, a, bias):
    _softmax_bias[_blocks(a.shape[0]), THREADS](out, a, bias)


def unit_delta(delta, y, other, kind, mode):
    _unit_delta[_blocks(y.size), THREADS](delta, y, other, np.int32(kind), np.int32(mode))
