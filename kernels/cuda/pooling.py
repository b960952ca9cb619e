"""CUDA twins of ``kernels/cpu/pooling.py``, with Caffe's window rules (see the CPU file).

Forward: one thread per output element. Backward is a gather, one thread per input pixel over
the windows that cover it (rows oy = ystart .. yend, as Caffe's MaxPoolBackward / AvePoolBackward
kernels), in row-major order: the order in which the CPU twin's scatter adds, so both backends
produce the same sums and no atomics are needed.
"""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(device=True, inline=True)
def _position(k, channels, height, width):
    """(n, c, y, x) of flat index k of an (N, C, H, W) array."""
    x = k % width
    y = (k // width) % height
    nc = k // (width * height)
    n = nc // channels
    return n, nc - n * channels, y, x


@cuda.jit(device=True, inline=True)
def _covering(position, pad, size, stride, outputs):
    """[start, end) of the output windows along one axis that cover input ``position``."""
    start = 0 if position + pad < size else (position + pad - size) // stride + 1
    return start, min((position + pad) // stride + 1, outputs)


@cuda.jit(cache=True)
def _max_pool_forward(out, argmax, image, kh, kw, ph, pw, sh, sw):
    height, width = image.shape[2], image.shape[3]
    channels, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for k in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        n, c, y, x = _position(k, channels, oh, ow)
        y0 = max(y * sh - ph, 0)
        y1 = min(y * sh - ph + kh, height)
        x0 = max(x * sw - pw, 0)
        x1 = min(x * sw - pw + kw, width)
        best = np.float32(-math.inf)
        where = -1
        for yy in range(y0, y1):
            for xx in range(x0, x1):
                value = image[n, c, yy, xx]
                if value > best:
                    best = value
                    where = yy * width + xx
        out[n, c, y, x] = best
        argmax[n, c, y, x] = where


@cuda.jit(cache=True)
def _max_pool_backward(image_diff, out_diff, argmax, kh, kw, ph, pw, sh, sw):
    channels, height, width = image_diff.shape[1], image_diff.shape[2], image_diff.shape[3]
    oh, ow = out_diff.shape[2], out_diff.shape[3]
    for k in range(cuda.grid(1), image_diff.size, cuda.gridsize(1)):
        n, c, y, x = _position(k, channels, height, width)
        ystart, yend = _covering(y, ph, kh, sh, oh)
        xstart, xend = _covering(x, pw, kw, sw, ow)
        me = y * width + x
        total = np.float32(0.0)
        for oy in range(ystart, yend):
            for ox in range(xstart, xend):
                if argmax[n, c, oy, ox] == me:
                    total += out_diff[n, c, oy, ox]
        image_diff[n, c, y, x] = total


@cuda.jit(cache=True)
def _ave_pool_forward(out, image, kh, kw, ph, pw, sh, sw):
    height, width = image.shape[2], image.shape[3]
    channels, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for k in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        n, c, y, x = _position(k, channels, oh, ow)
        ys = y * sh - ph
        ye = min(ys + kh, height + ph)
        xs = x * sw - pw
        xe = min(xs + kw, width + pw)
        size = np.float32((ye - ys) * (xe - xs))
        total = np.float32(0.0)
        for yy in range(max(ys, 0), min(ye, height)):
            for xx in range(max(xs, 0), min(xe, width)):
                total += image[n, c, yy, xx]
        out[n, c, y, x] = total / size


@cuda.jit(cache=True)
def _ave_pool_backward(image_diff, out_diff, kh, kw, ph, pw, sh, sw):
    channels, height, width = image_diff.shape[1], image_diff.shape[2], image_diff.shape[3]
    oh, ow = out_diff.shape[2], out_diff.shape[3]
    for k in range(cuda.grid(1), image_diff.size, cuda.gridsize(1)):
        n, c, y, x = _position(k, channels, height, width)
        ystart, yend = _covering(y, ph, kh, sh, oh)
        xstart, xend = _covering(x, pw, kw, sw, ow)
        total = np.float32(0.0)
        for oy in range(ystart, yend):
            ys = oy * sh - ph
            rows = min(ys + kh, height + ph) - ys
            for ox in range(xstart, xend):
                xs = ox * sw - pw
                size = rows * (min(xs + kw, width + pw) - xs)
                total += out_diff[n, c, oy, ox] / np.float32(size)
        image_diff[n, c, y, x] = total


def max_pool_forward(out, argmax, image, kh, kw, ph, pw, sh, sw):
    _max_pool_forward[_blocks(out.size), THREADS](
        out, argmax, image, np.int32(kh), np.int32(kw), np.int32(ph), np.int32(pw), np.int32(sh), np.int32(sw)
    )


def max_pool_backward(image_diff, out_diff, argmax, kh, kw, ph, pw, sh, sw):
    _max_pool_backward[_blocks(image_diff.size), THREADS](
        image_diff, out_diff, argmax, np.int32(kh), np.int32(kw), np.int32(ph), np.int32(pw), np.int32(sh),
        np.int32(sw),
    )  # fmt: skip


def ave_pool_forward(out, image, kh, kw, ph, pw, sh, sw):
    _ave_pool_forward[_blocks(out.size), THREADS](
        out, image, np.int32(kh), np.int32(kw), np.int32(ph), np.int32(pw), np.int32(sh), np.int32(sw)
    )


def ave_pool_backward(image_diff, out_diff, kh, kw, ph, pw, sh, sw):
    _ave_pool_backward[_blocks(image_diff.size), THREADS](
        image_diff,
        out_diff,
        np.int32(kh),
        np.int32(kw),
        np.int32(ph),
        np.int32(pw),
        np.int32(sh),
        np.int32(sw),
    )
