"""CUDA twins of ``kernels/cpu/activations.py``: grid-stride loops over flat float32 vectors.
sigmoid(x) = 0.5 tanh(0.5 x) + 0.5, as Caffe and the CPU twin compute it."""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _relu_forward(out, x, slope):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        v = x[i]
        out[i] = v if v > np.float32(0.0) else slope * v


@cuda.jit(cache=True)
def _relu_backward(dx, dy, x, slope):
    for i in range(cuda.grid(1), dx.shape[0], cuda.gridsize(1)):
        g = dy[i]
        dx[i] = g if x[i] > np.float32(0.0) else slope * g


@cuda.jit(cache=True)
def _sigmoid_forward(out, x):
    half = np.float32(0.5)
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = half * math.tanh(half * x[i]) + half


@cuda.jit(cache=True)
def _sigmoid_backward(dx, dy, y):
    for i in range(cuda.grid(1), dx.shape[0], cuda.gridsize(1)):
        v = y[i]
        dx[i] = dy[i] * v * (np.float32(1.0) - v)


@cuda.jit(cache=True)
def _tanh_forward(out, x):
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = math.tanh(x[i])


@cuda.jit(cache=True)
def _tanh_backward(dx, dy, y):
    for i in range(cuda.grid(1), dx.shape[0], cuda.gridsize(1)):
        v = y[i]
        dx[i] = dy[i] * (np.float32(1.0) - v * v)


def relu_forward(out, x, slope):
    _relu_forward[_blocks(out.shape[0]), THREADS](out, x, np.float32(slope))


def relu_backward(dx, dy, x, slope):
    _relu_backward[_blocks(dx.shape[0]), THREADS](dx, dy, x, np.float32(slope))


def sigmoid_forward(out, x):
    _sigmoid_forward[_blocks(out.shape[0]), THREADS](out, x)


def sigmoid_backward(dx, dy, y):
    _sigmoid_backward[_blocks(dx.shape[0]), THREADS](dx, dy, y)


def tanh_forward(out, x):
    _tanh_forward[_blocks(out.shape[0]), THREADS](out, x)


def tanh_backward(dx, dy, y):
    _tanh_backward[_blocks(dx.shape[0]), THREADS](dx, dy, y)
