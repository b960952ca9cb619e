"""The elementwise parts of contrastive divergence and of darch's layers, fused (the GEMMs go to BLAS).

Unlike the convnet ops these kernels take float32 or float64 arrays (Numba compiles one version for
each): darch users work in R's doubles, and a large RBM may ask for single precision. Matrices are
C-contiguous (rows are examples); vectors are 1-D. Bernoulli samples use the counter-based hash of
``dropout.py``, so a sample depends only on (seed, layer, draw, element), the same on every device
and however training is split into calls.

Each kernel is written once as a row body; matrices of ``PARALLEL_MIN`` elements or more are split
over the thread pool by rows, smaller ones run serially: starting a parallel region of the
workqueue pool costs ~0.22 ms here even when it does nothing, more than a serial sigmoid over a
100 x 500 batch (0.23 ms in float32), so only whole-data passes go parallel.

Numba's ``exp`` is scalar here (pip's llvmlite has no SVML), so a float32 batch below
``PARALLEL_MIN`` takes its sigmoid from ``vector_sigmoid.py`` instead (0.07 ms instead of 0.28 for
100 x 784). Double precision keeps the fused loop with libm's exp.
"""

import numba
import numpy as np

from . import vector_sigmoid
from .dropout import dropout_keys, uniform

PARALLEL_MIN = 1 << 18


@numba.njit(cache=True, inline="always")
def _sigmoid_row(out, a, bias, r):
    one = out.dtype.type(1.0)
    for c in range(a.shape[1]):
        out[r, c] = one / (one + np.exp(-(a[r, c] + bias[c])))


def sigmoid_bias(out, a, bias):
    """out = 1 / (1 + exp(-(a + bias))), bias added to every row; out may be a."""
    if a.size < PARALLEL_MIN and vector_sigmoid.applies(out, a):
        vector_sigmoid.sigmoid_bias(out, a, bias)
    else:
        _sigmoid_bias_fused(out, a, bias)


@numba.njit(parallel=True, cache=True, fastmath=True)
def _sigmoid_bias_fused(out, a, bias):
    if a.size < PARALLEL_MIN:
        for r in range(a.shape[0]):
            _sigmoid_row(out, a, bias, r)
    else:
        for r in numba.prange(a.shape[0]):
            _sigmoid_row(out, a, bias, r)


@numba.njit(cache=True, inline="always")
def _bias_row(out, a, bias, r):
    for c in range(a.shape[1]):
        out[r, c] = a[r, c] + bias[c]


@numba.njit(parallel=True, cache=True)
def add_bias(out, a, bias):
    """out = a + bias on every row (Gaussian visible units: the mean of a unit-variance normal)."""
    if a.size < PARALLEL_MIN:
        for r in range(a.shape[0]):
            _bias_row(out, a, bias, r)
    else:
        for r in numba.prange(a.shape[0]):
            _bias_row(out, a, bias, r)


@numba.njit(cache=True, inline="always")
def _sample_row(probs, states, a, bias, ka, kb, r, with_sigmoid):
    one = probs.dtype.type(1.0)
    zero = one - one
    cols = a.shape[1]
    for c in range(cols):
        p = one / (one + np.exp(-(a[r, c] + bias[c]))) if with_sigmoid else a[r, c]
        probs[r, c] = p
        states[r, c] = one if uniform(ka, kb, r * cols + c) < p else zero


@numba.njit(parallel=True, cache=True, fastmath=True)
def _sample(probs, states, a, bias, key0, key1, key2, with_sigmoid):
    ka, kb = dropout_keys(key0, key1, key2)
    if a.size < PARALLEL_MIN:
        for r in range(a.shape[0]):
            _sample_row(probs, states, a, bias, ka, kb, r, with_sigmoid)
    else:
        for r in numba.prange(a.shape[0]):
            _sample_row(probs, states, a, bias, ka, kb, r, with_sigmoid)


def sigmoid_bias_sample(probs, states, a, bias, key0, key1, key2):
    """probs = sigmoid(a + bias); states = 1 where the uniform draw u(r * cols + c) < probs, else 0."""
    keys = (key0 & 0xFFFFFFFF, key1 & 0xFFFFFFFF, key2 & 0xFFFFFFFF)
    if a.size < PARALLEL_MIN and vector_sigmoid.applies(probs, a):
        vector_sigmoid.sigmoid_bias_sample(probs, states, a, bias, *keys)
    else:
        _sample(probs, states, a, bias, *keys, True)


def sample_bernoulli(states, probs, key0, key1, key2):
    """states = 1 where u(r * cols + c) < probs, else 0 (darch's binSigmoidUnit); states may be probs."""
    _sample(states, states, probs, probs[0], key0 & 0xFFFFFFFF, key1 & 0xFFFFFFFF, key2 & 0xFFFFFFFF, False)


@numba.njit(cache=True)
def squared_error(out, slot, a, b):
    """out[slot] = sum((a - b)^2) over all elements, accumulated in float64."""
    total = 0.0
    for r in range(a.shape[0]):
        for c in range(a.shape[1]):
            d = np.float64(a[r, c]) - np.float64(b[r, c])
            total += d * d
    out[slot] = total


# The batch's ops with what changes from batch to batch read from arrays (on CUDA, device memory),
# so that a batch can be recorded once and replayed: ``state[0]`` is the batch's index in the epoch,
# ``counter[0]`` the draw counter of its first sample.


def batch_rows(out, data, state, batch_size):
    """out = data[state[0] * batch_size :][: rows of out] (the batches are contiguous, in order)."""
    start = int(state[0]) * batch_size
    out[...] = data[start : start + out.shape[0]]


def sigmoid_bias_sample_at(probs, states, a, bias, key0, key1, counter, offset):
    """sigmoid_bias_sample with key2 = counter[0] + offset."""
    sigmoid_bias_sample(probs, states, a, bias, key0, key1, int(counter[0]) + offset)


def squared_error_at(out, state, a, b):
    """squared_error into slot state[0]."""
    squared_error(out, int(state[0]), a, b)


def next_batch(state, counter, draws):
    """The next batch: state[0] += 1, counter[0] += draws (the samples a batch takes)."""
    state[0] += 1
    counter[0] += draws


@numba.njit(cache=True)
def scale(out, x, alpha):
    """out = alpha * x (2-D); out may be x."""
    f = x.dtype.type(alpha)
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[r, c] = f * x[r, c]


@numba.njit(cache=True)
def bias_step(bias, increments, positive, negative, rate, momentum):
    """increments = momentum * increments + rate * (colSums(positive) - colSums(negative));
    bias += increments (the bias update of an RBM's visible or hidden units)."""
    t = bias.dtype.type
    total = np.zeros(bias.shape[0], bias.dtype)
    for r in range(positive.shape[0]):  # row by row: the matrices are row-major
        for c in range(bias.shape[0]):
            total[c] += positive[r, c] - negative[r, c]
    for c in range(bias.shape[0]):
        inc = t(momentum) * increments[c] + t(rate) * total[c]
        increments[c] = inc
        bias[c] += inc


@numba.njit(cache=True, inline="always")
def _momentum_row(weights, increments, gradient, m, lr, wd, r):
    for c in range(weights.shape[1]):
        inc = m * increments[r, c] + lr * (gradient[r, c] - wd * weights[r, c])
        increments[r, c] = inc
        weights[r, c] += inc


@numba.njit(parallel=True, cache=True)
def momentum_step(weights, increments, gradient, rate, momentum, decay):
    """increments = momentum * increments + rate * (gradient - decay * weights); weights += increments."""
    t = weights.dtype.type
    m, lr, wd = t(momentum), t(rate), t(decay)
    if weights.size < PARALLEL_MIN:
        for r in range(weights.shape[0]):
            _momentum_row(weights, increments, gradient, m, lr, wd, r)
    else:
        for r in numba.prange(weights.shape[0]):
            _momentum_row(weights, increments, gradient, m, lr, wd, r)
