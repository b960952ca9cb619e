"""CUDA twin of ``kernels/cpu/dropout.py``: the same hash in the same uint64-with-32-bit-masks arithmetic,
so the same mask bit for bit (see the CPU module for the hash's definition)."""

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


def dropout_forward(out, mask, x, ratio, key0, key1, key2):
    n = x.shape[0]
    blocks = min((n + THREADS - 1) // THREADS, 4096) or 1
    _dropout[blocks, THREADS](
        out, mask, x, np.float32(ratio), np.uint64(key0 & 0xFFFFFFFF), np.uint64(key1 & 0xFFFFFFFF),
        np.uint64(key2 & 0xFFFFFFFF),
    )  # fmt: skip
