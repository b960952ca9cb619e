"""Inverted dropout with a counter-based random number per element: the same bits on the CPU and on CUDA,
and a step's mask depends only on (key0, key1, key2) = (seed, layer, iteration), never on history.

The hash (all values 32-bit, "+" modulo 2^32, keys and the element index i taken modulo 2^32)::

    fmix32(h) = murmur3's finaliser:
                h ^= h >> 16; h *= 0x85EBCA6B; h ^= h >> 13; h *= 0xC2B2AE35; h ^= h >> 16
    ka = fmix32(fmix32(fmix32(key0 ^ 0x9E3779B9) ^ key1) ^ key2)
    kb = fmix32(ka ^ 0x7F4A7C15)
    h(i) = fmix32(fmix32(i ^ ka) + kb)
    u(i) = (h(i) >> 8) * 2^-24   (float32, exact: a multiple of 2^-24 in [0, 1))

mask[i] = (u(i) >= ratio) / (1 - ratio) in float32, out = x * mask. The second round (an addition of a
second key) keeps two keys' masks unrelated even when their ``ka`` differ in a few low bits only.

Numba types uint32 * uint32 as uint64, so the arithmetic is written in uint64 with explicit 32-bit masks:
the same expressions then give the same bits in Numba on the CPU, on a GPU and in the CUDA simulator.
"""

import numba
import numpy as np

M32 = np.uint64(0xFFFFFFFF)
_S8, _S13, _S16 = np.uint64(8), np.uint64(13), np.uint64(16)
_C1, _C2 = np.uint64(0x85EBCA6B), np.uint64(0xC2B2AE35)
_GOLDEN, _SECOND = np.uint64(0x9E3779B9), np.uint64(0x7F4A7C15)
_UNIT = np.float32(1.0 / 16777216.0)  # 2^-24


@numba.njit(cache=True, inline="always")
def fmix32(h):
    """murmur3's 32-bit finaliser on a uint64 holding a 32-bit value."""
    h ^= h >> _S16
    h = (h * _C1) & M32
    h ^= h >> _S13
    h = (h * _C2) & M32
    h ^= h >> _S16
    return h


@numba.njit(cache=True)
def dropout_keys(key0, key1, key2):
    """(ka, kb) of the module docstring, as uint64."""
    h = fmix32((np.uint64(key0) & M32) ^ _GOLDEN)
    h = fmix32(h ^ (np.uint64(key1) & M32))
    ka = fmix32(h ^ (np.uint64(key2) & M32))
    return ka, fmix32(ka ^ _SECOND)


@numba.njit(cache=True, inline="always")
def uniform(ka, kb, i):
    """u(i) of the module docstring."""
    h = fmix32((fmix32((np.uint64(i) & M32) ^ ka) + kb) & M32)
    return np.float32(h >> _S8) * _UNIT


@numba.njit(parallel=True, cache=True)
def _dropout(out, mask, x, threshold, scale, key0, key1, key2):
    ka, kb = dropout_keys(key0, key1, key2)
    zero = scale - scale
    for i in numba.prange(x.shape[0]):
        m = scale if uniform(ka, kb, i) >= threshold else zero
        mask[i] = m
        out[i] = x[i] * m


def dropout_forward(out, mask, x, ratio, key0, key1, key2):
    """The threshold is float32 (the same comparison as on CUDA); the scale 1 / (1 - ratio) is computed
    in x's precision: float32 in the engine (CUDA's value), float64 where a layer test runs in float64."""
    one = x.dtype.type(1)
    scale = one / (one - x.dtype.type(ratio))
    _dropout(out, mask, x, np.float32(ratio), scale, key0 & 0xFFFFFFFF, key1 & 0xFFFFFFFF, key2 & 0xFFFFFFFF)
