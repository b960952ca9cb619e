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

Numba types uint32 * uint32 as uint64: each step is cast back to uint32 (a 32-bit wrap), which lets
the compiler keep the whole hash in 32-bit integers: twice as fast as the same hash in uint64 with
masks (CUDA's copy, kernels/cuda/dropout.py, which the simulator also runs), with the same bits.

STOCHASTIC pooling (Caffe's; its windows have no padding, H×W planes of (N, C) images, outputs
(N, C, OH, OW) in row-major order) draws with the same hash, one u per output element i:

- ``stochastic_pool_forward(out, index, image, kh, kw, sh, sw, key0, key1, key2)``, training: in
  window [y·sh, min(y·sh + kh, H)) × [x·sw, min(x·sw + kw, W)), the first position (row-major) whose
  running sum reaches u(i)·(the window's sum) is picked: out = its value, index = its y·W + x (the
  layout of max pooling's argmax, so max_pool_backward routes the gradient).
- ``stochastic_pool_test(out, image, kh, kw, sh, sw)``: out = Σ x² / Σ x over the window (0 when
  Σ x is not positive), the activations' expectation under that draw.
"""

import numba
import numpy as np

U32 = numba.uint32
_S8, _S13, _S16 = U32(8), U32(13), U32(16)
_C1, _C2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)
_GOLDEN, _SECOND = np.uint32(0x9E3779B9), np.uint32(0x7F4A7C15)
_UNIT = np.float32(1.0 / 16777216.0)  # 2^-24


@numba.njit(cache=True, inline="always")
def fmix32(h):
    """murmur3's 32-bit finaliser (uint32 in, uint32 out)."""
    h = U32(h ^ (h >> _S16))
    h = U32(h * _C1)
    h = U32(h ^ (h >> _S13))
    h = U32(h * _C2)
    return U32(h ^ (h >> _S16))


@numba.njit(cache=True)
def dropout_keys(key0, key1, key2):
    """(ka, kb) of the module docstring, as uint32."""
    h = fmix32(U32(key0) ^ _GOLDEN)
    h = fmix32(h ^ U32(key1))
    ka = fmix32(h ^ U32(key2))
    return ka, fmix32(ka ^ _SECOND)


@numba.njit(cache=True, inline="always")
def uniform(ka, kb, i):
    """u(i) of the module docstring (i taken modulo 2^32)."""
    h = fmix32(U32(fmix32(U32(i) ^ ka) + kb))
    return np.float32(np.int32(h >> _S8)) * _UNIT  # below 2^24: exact


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


@numba.njit(parallel=True, cache=True)
def _stochastic_pool(out, index, image, kh, kw, sh, sw, key0, key1, key2):
    ka, kb = dropout_keys(key0, key1, key2)
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in numba.prange(n_images):
        for c in range(channels):
            plane = image[n, c]
            for y in range(oh):
                y0, y1 = y * sh, min(y * sh + kh, height)
                for x in range(ow):
                    x0, x1 = x * sw, min(x * sw + kw, width)
                    total = plane.dtype.type(0)
                    for yy in range(y0, y1):
                        for xx in range(x0, x1):
                            total += plane[yy, xx]
                    i = ((n * channels + c) * oh + y) * ow + x
                    threshold = uniform(ka, kb, i) * total
                    running = plane.dtype.type(0)
                    pick_y, pick_x = y1 - 1, x1 - 1  # rounding may leave the sum short of the threshold
                    found = False
                    for yy in range(y0, y1):
                        for xx in range(x0, x1):
                            running += plane[yy, xx]
                            if not found and running >= threshold:
                                pick_y, pick_x, found = yy, xx, True
                    out[n, c, y, x] = plane[pick_y, pick_x]
                    index[n, c, y, x] = pick_y * width + pick_x


def stochastic_pool_forward(out, index, image, kh, kw, sh, sw, key0, key1, key2):
    _stochastic_pool(
        out, index, image, kh, kw, sh, sw, key0 & 0xFFFFFFFF, key1 & 0xFFFFFFFF, key2 & 0xFFFFFFFF
    )


@numba.njit(parallel=True, cache=True)
def stochastic_pool_test(out, image, kh, kw, sh, sw):
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in numba.prange(n_images):
        for c in range(channels):
            plane = image[n, c]
            for y in range(oh):
                y0, y1 = y * sh, min(y * sh + kh, height)
                for x in range(ow):
                    x0, x1 = x * sw, min(x * sw + kw, width)
                    total = plane.dtype.type(0)
                    squares = plane.dtype.type(0)
                    for yy in range(y0, y1):
                        for xx in range(x0, x1):
                            v = plane[yy, xx]
                            total += v
                            squares += v * v
                    out[n, c, y, x] = squares / total if total > 0 else total - total
