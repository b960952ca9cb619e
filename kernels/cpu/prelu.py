"""Caffe's PReLU on (N, C, S) views: y = max(0, x) + a[c]·min(0, x); dx = dy where x > 0, else
a[c]·dy; da[c] = Σ dy·x over the channel's x <= 0 (in float64). A slope shared by all channels is
the caller's (N, 1, C·S) view."""

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def prelu_forward(out, x, slopes):
    n, c, s = x.shape
    zero = np.float32(0.0)
    for i in numba.prange(n):
        for ch in range(c):
            a = slopes[ch]
            for p in range(s):
                v = x[i, ch, p]
                out[i, ch, p] = v if v > zero else a * v


@numba.njit(parallel=True, cache=True)
def prelu_backward(dx, dslopes, dy, x, slopes):
    n, c, s = x.shape
    zero = np.float32(0.0)
    for ch in numba.prange(c):
        a = slopes[ch]
        total = 0.0
        for i in range(n):
            for p in range(s):
                v = x[i, ch, p]
                if v > zero:
                    dx[i, ch, p] = dy[i, ch, p]
                else:
                    dx[i, ch, p] = a * dy[i, ch, p]
                    total += dy[i, ch, p] * v
        dslopes[ch] = total
