"""CUDA twins of ``kernels/cpu/elementwise.py``: grid-stride loops over flat float32 vectors
(``out`` may be one of the inputs)."""

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _fill(out, value):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = value


@cuda.jit(cache=True)
def _add(out, a, b):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = a[i] + b[i]


@cuda.jit(cache=True)
def _multiply(out, a, b):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = a[i] * b[i]


@cuda.jit(cache=True)
def _axpby(out, alpha, x, beta, y):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = alpha * x[i] + beta * y[i]


def fill(out, value):
    _fill[_blocks(out.shape[0]), THREADS](out, np.float32(value))


def add(out, a, b):
    _add[_blocks(out.shape[0]), THREADS](out, a, b)


def multiply(out, a, b):
    _multiply[_blocks(out.shape[0]), THREADS](out, a, b)


def axpby(out, alpha, x, beta, y):
    """out = alpha * x + beta * y."""
    _axpby[_blocks(out.shape[0]), THREADS](out, np.float32(alpha), x, np.float32(beta), y)
