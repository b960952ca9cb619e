"""Conjugate gradients with line searches: Carl Rasmussen's ``minimize`` (Polak-Ribiere directions,
a line search by cubic extrapolation and quadratic/cubic interpolation under the Wolfe-Powell
conditions), which darch and Hinton's DBN code use for fine-tuning.

``f(x)`` returns ``(value, gradient)``; ``length > 0`` allows that many line searches, ``length < 0``
that many function evaluations.
"""

import math
from collections.abc import Callable

import numpy as np

INT = 0.1  # do not re-evaluate within 0.1 of the range's ends
EXT = 3.0  # extrapolate at most 3 times the current step
MAX = 20  # evaluations per line search
RATIO = 10.0  # largest slope ratio between line searches
SIG = 0.1  # the Wolfe-Powell conditions: curvature ...
RHO = SIG / 2  # ... and sufficient decrease
REALMIN = np.finfo(np.float64).tiny


def minimize(f: Callable, x: np.ndarray, length: int) -> tuple[np.ndarray, list[float]]:
    """The point reached and the function values after each successful line search."""
    x = np.array(x, dtype=np.float64)
    evaluations = length < 0
    i = int(evaluations)
    f0, df0 = f(x)
    values = [f0]
    s = -df0
    d0 = -(s @ s)
    x3 = 1.0 / (1.0 - d0)
    failed = False
    while i < abs(length):
        i += int(length > 0)
        x0, F0, dF0 = x.copy(), f0, df0.copy()
        m = MAX if length > 0 else min(MAX, -length - i)
        while True:  # extrapolate until the slope turns or the value rises enough
            x2, f2, d2, f3, df3 = 0.0, f0, d0, f0, df0
            ok = False
            while not ok and m > 0:
                m -= 1
                i += int(evaluations)
                f3, df3 = f(x + x3 * s)
                ok = math.isfinite(f3) and bool(np.all(np.isfinite(df3)))
                if not ok:
                    x3 = (x2 + x3) / 2  # bisect back towards what was finite
            if f3 < F0:
                x0, F0, dF0 = x + x3 * s, f3, df3
            d3 = df3 @ s
            if d3 > SIG * d0 or f3 > f0 + x3 * RHO * d0 or m == 0:
                break
            x1, f1, d1, x2, f2, d2 = x2, f2, d2, x3, f3, d3
            x3 = _extrapolate(x1, f1, d1, x2, f2, d2)
        x4, f4, d4 = x3, f3, d3
        while (abs(d3) > -SIG * d0 or f3 > f0 + x3 * RHO * d0) and m > 0:  # interpolate
            if d3 > 0 or f3 > f0 + x3 * RHO * d0:
                x4, f4, d4 = x3, f3, d3
            else:
                x2, f2, d2 = x3, f3, d3
            x3 = _interpolate(x2, f2, d2, x4, f4, d4, f0)
            f3, df3 = f(x + x3 * s)
            if f3 < F0:
                x0, F0, dF0 = x + x3 * s, f3, df3
            m -= 1
            i += int(evaluations)
            d3 = df3 @ s
        if abs(d3) < -SIG * d0 and f3 < f0 + x3 * RHO * d0:  # the line search succeeded
            x = x + x3 * s
            f0 = f3
            values.append(f0)
            s = (df3 @ df3 - df0 @ df3) / (df0 @ df0) * s - df3  # Polak-Ribiere
            df0 = df3
            d3, d0 = d0, df0 @ s
            if d0 > 0:  # not a descent direction: steepest descent instead
                s = -df0
                d0 = -(s @ s)
            x3 = x3 * min(RATIO, d3 / (d0 - REALMIN))
            failed = False
        else:  # back to the best point seen; give up after two failures in a row
            x, f0, df0 = x0, F0, dF0
            if failed or i > abs(length):
                break
            s = -df0
            d0 = -(s @ s)
            x3 = 1.0 / (1.0 - d0)
            failed = True
    return x, values


def _extrapolate(x1, f1, d1, x2, f2, d2):
    a = 6 * (f1 - f2) + 3 * (d2 + d1) * (x2 - x1)
    b = 3 * (f2 - f1) - (2 * d1 + d2) * (x2 - x1)
    root = b * b - a * d1 * (x2 - x1)
    x3 = x1 - d1 * (x2 - x1) ** 2 / (b + math.sqrt(root)) if root >= 0 and b + math.sqrt(root) != 0 else -1.0
    if not math.isfinite(x3) or x3 < 0 or x3 > x2 * EXT:
        return x2 * EXT
    return max(x3, x2 + INT * (x2 - x1))


def _interpolate(x2, f2, d2, x4, f4, d4, f0):
    if f4 > f0:  # quadratic fit
        denominator = f4 - f2 - d2 * (x4 - x2)
        x3 = x2 - (0.5 * d2 * (x4 - x2) ** 2) / denominator if denominator != 0 else math.nan
    else:  # cubic fit
        a = 6 * (f2 - f4) / (x4 - x2) + 3 * (d4 + d2)
        b = 3 * (f4 - f2) - (2 * d2 + d4) * (x4 - x2)
        root = b * b - a * d2 * (x4 - x2) ** 2
        x3 = x2 + (math.sqrt(root) - b) / a if root >= 0 and a != 0 else math.nan
    if not math.isfinite(x3):
        x3 = (x2 + x4) / 2
    return max(min(x3, x4 - INT * (x4 - x2)), x2 + INT * (x4 - x2))
