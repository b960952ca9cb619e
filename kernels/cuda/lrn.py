"""CUDA twins of ``kernels/cpu/lrn.py`` (see it for the formulas): one thread per element, each gathering
its channel window, its pooling window, or (backward) the windows that hold it, in a fixed order."""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _across_forward(out, scale, x, size, alpha, beta, k):
    n, c, h, w = x.shape
    pre = (size - 1) // 2
    per_size = alpha / np.float32(size)
    for q in range(cuda.grid(1), n * c * h * w, cuda.gridsize(1)):
        i, ch, r, z = q // (c * h * w), (q // (h * w)) % c, (q // w) % h, q % w
        total = np.float32(0.0)
        for other in range(max(ch - pre, 0), min(ch + size - pre, c)):
            total += x[i, other, r, z] * x[i, other, r, z]
        s = k + per_size * total
        scale[i, ch, r, z] = s
        out[i, ch, r, z] = x[i, ch, r, z] * math.pow(s, -beta)


@cuda.jit(cache=True)
def _across_backward(dx, dy, x, y, scale, size, alpha, beta):
    n, c, h, w = x.shape
    pre = (size - 1) // 2
    factor = np.float32(2.0) * alpha * beta / np.float32(size)
    for q in range(cuda.grid(1), n * c * h * w, cuda.gridsize(1)):
        i, ch, r, z = q // (c * h * w), (q // (h * w)) % c, (q // w) % h, q % w
        gathered = np.float32(0.0)
        for other in range(max(ch - (size - pre - 1), 0), min(ch + pre + 1, c)):
            gathered += dy[i, other, r, z] * y[i, other, r, z] / scale[i, other, r, z]
        s = scale[i, ch, r, z]
        dx[i, ch, r, z] = dy[i, ch, r, z] * math.pow(s, -beta) - factor * x[i, ch, r, z] * gathered


@cuda.jit(device=True, inline=True)
def _window(position, pad, size, extent):
    """(first, end, divisor) of Caffe's AVE window at ``position`` (stride 1)."""
    start = position - pad
    end = min(start + size, extent + pad)
    return max(start, 0), min(end, extent), end - start


@cuda.jit(cache=True)
def _within_forward(out, scale, x, size, alpha, beta):
    n, c, h, w = x.shape
    pad = (size - 1) // 2
    for q in range(cuda.grid(1), n * c * h * w, cuda.gridsize(1)):
        i, ch, r, z = q // (c * h * w), (q // (h * w)) % c, (q // w) % h, q % w
        r0, r1, r_size = _window(r, pad, size, h)
        z0, z1, z_size = _window(z, pad, size, w)
        total = np.float32(0.0)
        for a in range(r0, r1):
            for b in range(z0, z1):
                total += x[i, ch, a, b] * x[i, ch, a, b]
        s = np.float32(1.0) + alpha * (total / np.float32(r_size * z_size))
        scale[i, ch, r, z] = s
        out[i, ch, r, z] = x[i, ch, r, z] * math.pow(s, -beta)


@cuda.jit(cache=True)
def _within_backward(dx, dy, x, scale, size, alpha, beta):
    n, c, h, w = x.shape
    pad = (size - 1) // 2
    low = size - 1 - pad  # pixel r lies in the windows r - low .. r + pad that exist
    power = -beta - np.float32(1.0)
    for q in range(cuda.grid(1), n * c * h * w, cuda.gridsize(1)):
        i, ch, r, z = q // (c * h * w), (q // (h * w)) % c, (q // w) % h, q % w
        gathered = np.float32(0.0)
        for a in range(max(r - low, 0), min(r + pad + 1, h)):
            a_size = _window(a, pad, size, h)[2]
            for b in range(max(z - low, 0), min(z + pad + 1, w)):
                s = scale[i, ch, a, b]
                through = dy[i, ch, a, b] * x[i, ch, a, b] * (-beta) * alpha * math.pow(s, power)
                gathered += through / np.float32(a_size * _window(b, pad, size, w)[2])
        s = scale[i, ch, r, z]
        dx[i, ch, r, z] = dy[i, ch, r, z] * math.pow(s, -beta) + gathered * np.float32(2.0) * x[i, ch, r, z]


def lrn_across_forward(out, scale, x, size, alpha, beta, k):
    _across_forward[_blocks(x.size), THREADS](
        out, scale, x, np.int32(size), np.float32(alpha), np.float32(beta), np.float32(k)
    )


def lrn_across_backward(dx, dy, x, y, scale, size, alpha, beta):
    _across_backward[_blocks(x.size), THREADS](
        dx, dy, x, y, scale, np.int32(size), np.float32(alpha), np.float32(beta)
    )


def lrn_within_forward(out, scale, x, size, alpha, beta):
    _within_forward[_blocks(x.size), THREADS](
        out, scale, x, np.int32(size), np.float32(alpha), np.float32(beta)
    )


def lrn_within_backward(dx, dy, x, scale, size, alpha, beta):
    _within_backward[_blocks(x.size), THREADS](
        dx, dy, x, scale, np.int32(size), np.float32(alpha), np.float32(beta)
    )
