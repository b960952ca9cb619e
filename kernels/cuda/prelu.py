"""CUDA twins of ``kernels/cpu/prelu.py``: the forward pass one thread per element; the backward
pass a block per channel (its threads stride over the channel's values, a shared-memory tree adds
their slope gradients in a fixed order), which also writes the channel's dx."""

import numpy as np
from numba import cuda

from .grid import MAX_BLOCKS, THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _forward(out, x, slopes):
    n, c, s = x.shape
    for q in range(cuda.grid(1), n * c * s, cuda.gridsize(1)):
        i, ch, p = q // (c * s), (q // s) % c, q % s
        v = x[i, ch, p]
        out[i, ch, p] = v if v > 0 else slopes[ch] * v


@cuda.jit(cache=True)
def _backward(dx, dslopes, dy, x, slopes):
    partial = cuda.shared.array(THREADS, np.float32)
    n, c, s = x.shape
    m = n * s
    t = cuda.threadIdx.x
    for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
        a = slopes[ch]
        total = np.float32(0.0)
        for q in range(t, m, THREADS):
            i, p = q // s, q % s
            v = x[i, ch, p]
            g = dy[i, ch, p]
            if v > 0:
                dx[i, ch, p] = g
            else:
                dx[i, ch, p] = a * g
                total += g * v
        partial[t] = total
        cuda.syncthreads()
        step = THREADS // 2
        while step > 0:
            if t < step:
                partial[t] += partial[t + step]
            cuda.syncthreads()
            step //= 2
        if t == 0:
            dslopes[ch] = partial[0]
        cuda.syncthreads()  # the next channel reuses the array


def prelu_forward(out, x, slopes):
    _forward[_blocks(x.size), THREADS](out, x, slopes)


def prelu_backward(dx, dslopes, dy, x, slopes):
    _backward[max(1, min(x.shape[1], MAX_BLOCKS)), THREADS](dx, dslopes, dy, x, slopes)
