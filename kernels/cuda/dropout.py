"""CUDA twin of ``kernels/cpu/dropout.py``: the same hash in the same uint64-with-32-bit-masks arithmetic,
so the same mask bit for bit, and the same draws for STOCHASTIC pooling (see the CPU module for the
hash's definition); pooling takes a thread per output element."""

import numpy as np
from numba import cuda

THREADS = 256
M32 = np.uint64(0xFFFFFFFF)
_S8, _S13, _S16 = np.uint64(8), np.uint64(13), np.uint64(16)
_C1, _C2 = np.uint64(0x85EBCA6B), np.uint64(0xC2B2AE35)
_GOLDEN, _SECOND = np.uint64(0x9E3779B9), np.uint64(0x7F4A7C15)
_UNIT = np.float32(1.0 / 16777216.0)  # 2^-24


@cuda.jit(device=True, inline=True)
def _fmix32(h):
    h ^= h >> _S16
    h = (h * _C1) & M32
    h ^= h >> _S13
    h = (h * _C2) & M32
    h ^= h >> _S16
    return h


@cuda.jit(cache=True)
def _dropout(out, mask, x, ratio, key0, key1, key2):
    h = _fmix32((np.uint64(key0) & M32) ^ _GOLDEN)
    h = _fmix32(h ^ (np.uint64(key1) & M32))
    ka = _fmix32(h ^ (np.uint64(key2) & M32))
    kb = _fmix32(ka ^ _SECOND)
    scale = np.float32(1.0) / (np.float32(1.0) - ratio)
    for i in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        bits = _fmix32((_fmix32((np.uint64(i) & M32) ^ ka) + kb) & M32)
        m = scale if np.float32(bits >> _S8) * _UNIT >= ratio else np.float32(0.0)
        mask[i] = m
        out[i] = x[i] * m


@cuda.jit(cache=True)
def _stochastic_pool(out, index, image, kh, kw, sh, sw, key0, key1, key2):
    h = _fmix32((np.uint64(key0) & M32) ^ _GOLDEN)
    h = _fmix32(h ^ (np.uint64(key1) & M32))
    ka = _fmix32(h ^ (np.uint64(key2) & M32))
    kb = _fmix32(ka ^ _SECOND)
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    for i in range(cuda.grid(1), n_images * channels * oh * ow, cuda.gridsize(1)):
        x, y = i % ow, (i // ow) % oh
        c, n = (i // (ow * oh)) % channels, i // (ow * oh * channels)
        y0, y1 = y * sh, min(y * sh + kh, height)
        x0, x1 = x * sw, min(x * sw + kw, width)
        total = np.float32(0.0)
        for yy in range(y0, y1):
            for xx in range(x0, x1):
                total += image[n, c, yy, xx]
        bits = _fmix32((_fmix32((np.uint64(i) & M32) ^ ka) + kb) & M32)
        threshold = np.float32(bits >> _S8) * _UNIT * total
        running = np.float32(0.0)
        pick_y, pick_x = y1 - 1, x1 - 1
        found = False
        for yy in range(y0, y1):
            for xx in range(x0, x1):
                running += image[n, c, yy, xx]
                if not found and running >= threshold:
                    pick_y, pick_x, found = yy, xx, True
        out[n, c, y, x] = image[n, c, pick_y, pick_x]
        index[n, c, y, x] = pick_y * width + pick_x


@cuda.jit(cache=True)
def _stochastic_pool_test(out, image, kh, kw, sh, sw):
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    for i in range(cuda.grid(1), n_images * channels * oh * ow, cuda.gridsize(1)):
        x, y = i % ow, (i // ow) % oh
        c, n = (i // (ow * oh)) % channels, i // (ow * oh * channels)
        total, squares = np.float32(0.0), np.float32(0.0)
        for yy in range(y * sh, min(y * sh + kh, height)):
            for xx in range(x * sw, min(x * sw + kw, width)):
                v = image[n, c, yy, xx]
                total += v
                squares += v * v
        out[n, c, y, x] = squares / total if total > 0 else np.float32(0.0)


def _blocks(n):
    return min((n + THREADS - 1) // THREADS, 4096) or 1


def stochastic_pool_forward(out, index, image, kh, kw, sh, sw, key0, key1, key2):
    _stochastic_pool[_blocks(out.size), THREADS](
        out, index, image, np.int32(kh), np.int32(kw), np.int32(sh), np.int32(sw),
        np.uint64(key0 & 0xFFFFFFFF), np.uint64(key1 & 0xFFFFFFFF), np.uint64(key2 & 0xFFFFFFFF),
    )  # fmt: skip


def stochastic_pool_test(out, image, kh, kw, sh, sw):
    _stochastic_pool_test[_blocks(out.size), THREADS](out, image, np.int32(kh), np.int32(kw), np.int32(sh),
                                                      np.int32(sw))  # fmt: skip


def dropout_forward(out, mask, x, ratio, key0, key1, key2):
    n = x.shape[0]
    blocks = min((n + THREADS - 1) // THREADS, 4096) or 1
    _dropout[blocks, THREADS](
        out, mask, x, np.float32(ratio), np.uint64(key0 & 0xFFFFFFFF), np.uint64(key1 & 0xFFFFFFFF),
        np.uint64(key2 & 0xFFFFFFFF),
    )  # fmt: skip
