"""exp for float32 in a form the compiler vectorizes (Numba's ``np.exp`` calls libm's scalar expf:
pip's llvmlite has no SVML), for the sigmoids of contrastive divergence.

exp(x) = exp(r) * 2^n with n = round(x / ln 2) and r = x - n ln 2 (ln 2 split in two parts, so r is
exact to float32's precision; Cody and Waite), |r| <= ln 2 / 2, where exp(r) is its Taylor
polynomial of degree 7 (truncation below 6e-9). 2^n is built from its bits, which a loop cannot
reinterpret as a float in place: ``exp_parts`` returns the mantissa part and the int32 bits of 2^n,
the caller stores them in two arrays and multiplies them in a second loop, reading the bits array
as float32 (``bits.view(np.float32)``; vector_sigmoid.py). Both loops vectorize. x is clipped to
[LOW, HIGH] first, so 2^n is a normal float (n in [-126, 127]); NaN stays NaN. Relative error below
1e-6 (tested).
"""

import numba
import numpy as np

LOW, HIGH = np.float32(-87.0), np.float32(88.0)
_LOG2E = np.float32(1.4426950408889634)
_LN2_HI, _LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)  # ln 2 = HI + LO
_HALF, _ONE = np.float32(0.5), np.float32(1.0)
_C2, _C3, _C4 = np.float32(1 / 2), np.float32(1 / 6), np.float32(1 / 24)
_C5, _C6, _C7 = np.float32(1 / 120), np.float32(1 / 720), np.float32(1 / 5040)


@numba.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def exp_parts(x):
    """(exp(r) as float32, the int32 bits of the float32 2^n) with exp(x) = exp(r) * 2^n."""
    x = HIGH if x > HIGH else (LOW if x < LOW else x)  # NaN passes through both tests
    n = np.floor(x * _LOG2E + _HALF)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    p = _C6 + r * _C7
    p = _C5 + r * p
    p = _C4 + r * p
    p = _C3 + r * p
    p = _C2 + r * p
    p = _ONE + r * p
    p = _ONE + r * p
    bits = (np.int32(n) + np.int32(127)) << np.int32(23)
    return p, bits
