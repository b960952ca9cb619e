"""Caffe's neuron layers with one formula each, forward and backward, over flat vectors: ELU,
AbsVal, BNLL, Power, Exp, Log, Threshold, Clip and Swish. ``op`` picks the formula (the codes below); ``a``,
``b``, ``c`` are its settings, worked out by the layer (pyrpudl/net/layers/neurons.py):

- ELU (a = alpha): y = x > 0 ? x : a·(exp(x) − 1); dx = dy where x > 0, else dy·(y + a).
- AbsVal: y = |x|; dx = sign(x)·dy (sign(0) = 0).
- BNLL: y = log(1 + exp(x)), as x + log(1 + exp(−x)) for x > 0; dx = dy·e / (e + 1), e = exp(min(x, 50)).
- Power (a = power, b = scale, c = shift): y = (c + b·x)^a; dx = dy·a·b·(c + b·x)^(a − 1), 0 when a·b = 0.
- Exp (a = ln(base)·scale, b = base^shift): y = b·exp(a·x); dx = dy·y·a.
- Log (a = scale, b = shift, c = 1 / ln(base)): y = c·log(b + a·x); dx = dy·a·c / (b + a·x).
- Threshold (a = threshold): y = x > a ? 1 : 0; dx = 0 (Caffe has no backward; its derivative is 0
  wherever it exists).
- Clip (a = min, b = max): y = min(max(x, a), b); dx = dy where a <= x <= b (Caffe's, bounds
  included), else 0. A NaN stays NaN (Caffe's std::max/min make it min), so training stops at it.
- Swish (a = beta): y = x·s, s = sigmoid(a·x); dx = dy·(a·y + s·(1 − a·y)).
"""

import math

import numba

from ..neuron_codes import ABSVAL, BNLL, BNLL_THRESHOLD, CLIP, ELU, EXP, LOG, POWER, SWISH


@numba.njit(cache=True)
def neuron_value(op, v, a, b, c, one):
    """y of one element (``one``: 1 in the data's type, so that float32 stays float32)."""
    if op == ELU:
        return v if v > 0 else a * (math.exp(v) - one)
    if op == ABSVAL:
        return abs(v)
    if op == BNLL:
        return v + math.log(one + math.exp(-v)) if v > 0 else math.log(one + math.exp(v))
    if op == POWER:
        return (c + b * v) ** a
    if op == EXP:
        return b * math.exp(a * v)
    if op == LOG:
        return c * math.log(b + a * v)
    if op == CLIP:
        return a if v < a else (b if v > b else v)
    if op == SWISH:
        return v / (one + math.exp(-a * v))
    return one if v > a else one - one  # THRESHOLD


@numba.njit(cache=True)
def neuron_gradient(op, g, v, y, a, b, c, one):
    """dx of one element, from dy = g, x = v and y."""
    zero = one - one
    if op == ELU:
        return g if v > 0 else g * (y + a)
    if op == ABSVAL:
        return g if v > 0 else (-g if v < 0 else zero)
    if op == BNLL:
        e = math.exp(min(v, one * BNLL_THRESHOLD))
        return g * e / (e + one)
    if op == POWER:
        scale = a * b
        return zero if scale == 0 else g * scale * (c + b * v) ** (a - one)
    if op == EXP:
        return g * y * a
    if op == LOG:
        return g * a * c / (b + a * v)
    if op == CLIP:
        return g if a <= v <= b else zero
    if op == SWISH:
        s = one / (one + math.exp(-a * v))
        return g * (a * y + s * (one - a * y))
    return zero  # THRESHOLD


@numba.njit(cache=True, error_model="numpy")
def neuron_forward(out, x, op, a, b, c):
    t = x.dtype.type
    a, b, c, one = t(a), t(b), t(c), t(1.0)
    for i in range(out.shape[0]):
        out[i] = neuron_value(op, x[i], a, b, c, one)


@numba.njit(cache=True, error_model="numpy")
def neuron_backward(dx, dy, x, y, op, a, b, c):
    t = x.dtype.type
    a, b, c, one = t(a), t(b), t(c), t(1.0)
    for i in range(dx.shape[0]):
        dx[i] = neuron_gradient(op, dy[i], x[i], y[i], a, b, c, one)
