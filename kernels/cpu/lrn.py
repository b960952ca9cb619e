"""Local response normalization (Caffe's LRN) on (N, C, H, W), forward and backward; pre = (size - 1) // 2.

ACROSS_CHANNELS: scale = k + alpha/size · Σ x² over channels c - pre .. c + size - pre - 1 (clipped);
    dx = dy · scale^-beta - 2·alpha·beta/size · x · Σ_{c' whose window holds c} dy·y/scale.
WITHIN_CHANNEL: scale = 1 + alpha · AVE-pool(x²) over size × size windows, pad pre, stride 1, as many
    windows as pixels, with Caffe's divisor (ye - ys)·(xe - xs), ye = min(ys + size, H + pre);
    dx = dy · scale^-beta + 2x · AVE-pool-backward(dy · x · (-beta) · alpha · scale^(-beta-1)),
    the exact adjoint (each pixel gathers what the windows holding it spread).
y = x · scale^-beta. Each pixel's sums are gathers in a fixed order, as in the CUDA twins.
"""

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def lrn_across_forward(out, scale, x, size, alpha, beta, k):
    n, c, h, w = x.shape
    pre = (size - 1) // 2
    for i in numba.prange(n):
        for ch in range(c):
            lo, hi = max(ch - pre, 0), min(ch + size - pre, c)
            for r in range(h):
                for z in range(w):
                    total = 0.0
                    for other in range(lo, hi):
                        total += x[i, other, r, z] * x[i, other, r, z]
                    s = k + alpha / size * total
                    scale[i, ch, r, z] = s
                    out[i, ch, r, z] = x[i, ch, r, z] * s**-beta


@numba.njit(parallel=True, cache=True)
def lrn_across_backward(dx, dy, x, y, scale, size, alpha, beta):
    n, c, h, w = x.shape
    pre = (size - 1) // 2
    factor = 2.0 * alpha * beta / size
    for i in numba.prange(n):
        for ch in range(c):
            # channel ch lies in the windows of channels ch - (size - pre - 1) .. ch + pre
            lo, hi = max(ch - (size - pre - 1), 0), min(ch + pre + 1, c)
            for r in range(h):
                for z in range(w):
                    gathered = 0.0
                    for other in range(lo, hi):
                        gathered += dy[i, other, r, z] * y[i, other, r, z] / scale[i, other, r, z]
                    s = scale[i, ch, r, z]
                    dx[i, ch, r, z] = dy[i, ch, r, z] * s**-beta - factor * x[i, ch, r, z] * gathered


@numba.njit(cache=True, inline="always")
def _window(position, pad, size, extent):
    """(first, end, divisor) of Caffe's AVE window at ``position`` (stride 1): it covers pixels
    first .. end - 1 and divides by its extent clipped to ``extent + pad`` only."""
    start = position - pad
    end = min(start + size, extent + pad)
    return max(start, 0), min(end, extent), end - start


@numba.njit(parallel=True, cache=True)
def lrn_within_forward(out, scale, x, size, alpha, beta):
    n, c, h, w = x.shape
    pad = (size - 1) // 2
    for i in numba.prange(n):
        for ch in range(c):
            for r in range(h):
                r0, r1, rs = _window(r, pad, size, h)
                for z in range(w):
                    z0, z1, zs = _window(z, pad, size, w)
                    total = 0.0
                    for a in range(r0, r1):
                        for b in range(z0, z1):
                            total += x[i, ch, a, b] * x[i, ch, a, b]
                    s = 1.0 + alpha * (total / (rs * zs))
                    scale[i, ch, r, z] = s
                    out[i, ch, r, z] = x[i, ch, r, z] * s**-beta


@numba.njit(parallel=True, cache=True)
def lrn_within_backward(dx, dy, x, scale, size, alpha, beta):
    n, c, h, w = x.shape
    pad = (size - 1) // 2
    # pixel r lies in the windows r - low .. r + pad (those of them that exist: 0 .. h - 1), and the
    # clipping never cuts a window short of a pixel inside the image
    low = size - 1 - pad
    for i in numba.prange(n):
        # what each window spreads over its pixels: dy·x·(-beta)·alpha·scale^(-beta-1) / divisor
        spread = np.empty((h, w), np.float64)
        for ch in range(c):
            for a in range(h):
                a_size = _window(a, pad, size, h)[2]
                for b in range(w):
                    s = scale[i, ch, a, b]
                    through = dy[i, ch, a, b] * x[i, ch, a, b] * (-beta) * alpha * s ** (-beta - 1.0)
                    spread[a, b] = through / (a_size * _window(b, pad, size, w)[2])
            for r in range(h):
                for z in range(w):
                    gathered = 0.0
                    for a in range(max(r - low, 0), min(r + pad + 1, h)):
                        for b in range(max(z - low, 0), min(z + pad + 1, w)):
                            gathered += spread[a, b]
                    s = scale[i, ch, r, z]
                    dx[i, ch, r, z] = dy[i, ch, r, z] * s**-beta + gathered * 2.0 * x[i, ch, r, z]
