"""CUDA twins of ``kernels/cpu/neurons.py`` (the formulas are there, the op codes in
``kernels/neuron_codes.py``): grid-stride
loops over flat float32 vectors, one device function per direction."""

import math

import numpy as np
from numba import cuda

from ..neuron_codes import ABSVAL, BNLL, BNLL_THRESHOLD, CLIP, ELU, EXP, LOG, POWER, SWISH
from .grid import THREADS
from .grid import blocks as _blocks

_LIMIT = np.float32(BNLL_THRESHOLD)


@cuda.jit(device=True, cache=True)
def _value(op, v, a, b, c):
    one = np.float32(1.0)
    if op == ELU:
        return v if v > 0 else a * (math.exp(v) - one)
    if op == ABSVAL:
        return abs(v)
    if op == BNLL:
        return v + math.log(one + math.exp(-v)) if v > 0 else math.log(one + math.exp(v))
    if op == POWER:
        return (c + b * v) ** a
    if op == EXP:
        return b * math.exp(a * v)
    if op == LOG:
        return c * math.log(b + a * v)
    if op == CLIP:
        return a if v < a else (b if v > b else v)
    if op == SWISH:
        return v / (one + math.exp(-a * v))
    return one if v > a else np.float32(0.0)  # THRESHOLD


@cuda.jit(device=True, cache=True)
def _gradient(op, g, v, y, a, b, c):
    zero = np.float32(0.0)
    if op == ELU:
        return g if v > 0 else g * (y + a)
    if op == ABSVAL:
        return g if v > 0 else (-g if v < 0 else zero)
    if op == BNLL:
        e = math.exp(min(v, _LIMIT))
        return g * e / (e + np.float32(1.0))
    if op == POWER:
        scale = a * b
        return zero if scale == 0 else g * scale * (c + b * v) ** (a - np.float32(1.0))
    if op == EXP:
        return g * y * a
    if op == LOG:
        return g * a * c / (b + a * v)
    if op == CLIP:
        return g if a <= v <= b else zero
    if op == SWISH:
        one = np.float32(1.0)
        s = one / (one + math.exp(-a * v))
        return g * (a * y + s * (one - a * y))
    return zero  # THRESHOLD


@cuda.jit(cache=True)
def _neuron_forward(out, x, op, a, b, c):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = _value(op, x[i], a, b, c)


@cuda.jit(cache=True)
def _neuron_backward(dx, dy, x, y, op, a, b, c):
    for i in range(cuda.grid(1), dx.shape[0], cuda.gridsize(1)):
        dx[i] = _gradient(op, dy[i], x[i], y[i], a, b, c)


def neuron_forward(out, x, op, a, b, c):
    f = np.float32
    _neuron_forward[_blocks(out.shape[0]), THREADS](out, x, np.int32(op), f(a), f(b), f(c))


def neuron_backward(dx, dy, x, y, op, a, b, c):
    f = np.float32
    _neuron_backward[_blocks(dx.shape[0]), THREADS](dx, dy, x, y, np.int32(op), f(a), f(b), f(c))
