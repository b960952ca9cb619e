"""CUDA twins of ``kernels/cpu/rbm.py`` (float32): grid-stride loops over the elements of row-major
matrices, the same counter-based hash for Bernoulli samples (so a sample is the same bit on both
devices), and deterministic reductions (a fixed order, no atomics)."""

import math

import numpy as np
from numba import cuda

from .dropout import _GOLDEN, _S8, _SECOND, _UNIT, M32, _fmix32
from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _sigmoid_bias(out, a, bias):
    cols = a.shape[1]
    one = np.float32(1.0)
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        out[r, c] = one / (one + math.exp(-(a[r, c] + bias[c])))


@cuda.jit(cache=True)
def _add_bias(out, a, bias):
    cols = a.shape[1]
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        out[r, c] = a[r, c] + bias[c]


@cuda.jit(device=True, inline=True)
def _sample_elements(probs, states, a, bias, key0, key1, key2, with_sigmoid):
    h = _fmix32((np.uint64(key0) & M32) ^ _GOLDEN)  # the keys as dropout_keys makes them
    h = _fmix32(h ^ (np.uint64(key1) & M32))
    ka = _fmix32(h ^ (np.uint64(key2) & M32))
    kb = _fmix32(ka ^ _SECOND)
    cols = a.shape[1]
    one = np.float32(1.0)
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        p = one / (one + math.exp(-(a[r, c] + bias[c]))) if with_sigmoid else a[r, c]
        probs[r, c] = p
        u = np.float32(_fmix32((_fmix32((np.uint64(i) & M32) ^ ka) + kb) & M32) >> _S8) * _UNIT
        states[r, c] = one if u < p else np.float32(0.0)


@cuda.jit(cache=True)
def _sample(probs, states, a, bias, key0, key1, key2, with_sigmoid):
    _sample_elements(probs, states, a, bias, key0, key1, key2, with_sigmoid)


@cuda.jit(cache=True)
def _sample_at(probs, states, a, bias, key0, key1, counter, offset):
    _sample_elements(probs, states, a, bias, key0, key1, counter[0] + offset, True)


@cuda.jit(device=True, inline=True)
def _block_squared_error(out, slot, a, b):
    """One block: each thread sums a fixed stride of elements, then a tree in shared memory."""
    partial = cuda.shared.array(THREADS, np.float32)
    t = cuda.threadIdx.x
    cols = a.shape[1]
    total = np.float32(0.0)
    for i in range(t, a.size, THREADS):
        d = a[i // cols, i % cols] - b[i // cols, i % cols]
        total += d * d
    partial[t] = total
    cuda.syncthreads()
    step = THREADS // 2
    while step > 0:
        if t < step:
            partial[t] += partial[t + step]
        cuda.syncthreads()
        step //= 2
    if t == 0:
        out[slot] = partial[0]


@cuda.jit(cache=True)
def _squared_error(out, slot, a, b):
    _block_squared_error(out, slot, a, b)


@cuda.jit(cache=True)
def _squared_error_at(out, state, a, b):
    _block_squared_error(out, state[0], a, b)


@cuda.jit(cache=True)
def _batch_rows(out, data, state, batch_size):
    cols = out.shape[1]
    start = state[0] * batch_size
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        out[r, c] = data[start + r, c]


@cuda.jit(cache=True)
def _next_batch(state, counter, draws):
    if cuda.grid(1) == 0:
        state[0] += 1
        counter[0] += draws


@cuda.jit(cache=True)
def _scale(out, x, alpha):
    cols = x.shape[1]
    for i in range(cuda.grid(1), x.size, cuda.gridsize(1)):
        out[i // cols, i % cols] = alpha * x[i // cols, i % cols]


@cuda.jit(cache=True)
def _bias_step(bias, increments, positive, negative, rate, momentum):
    for c in range(cuda.grid(1), bias.shape[0], cuda.gridsize(1)):
        total = np.float32(0.0)
        for r in range(positive.shape[0]):  # in row order, as the CPU twin sums
            total += positive[r, c] - negative[r, c]
        inc = momentum * increments[c] + rate * total
        increments[c] = inc
        bias[c] += inc


@cuda.jit(cache=True)
def _momentum_step(weights, increments, gradient, rate, momentum, decay):
    cols = weights.shape[1]
    for i in range(cuda.grid(1), weights.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        inc = momentum * increments[r, c] + rate * (gradient[r, c] - decay * weights[r, c])
        increments[r, c] = inc
        weights[r, c] += inc


def sigmoid_bias(out, a, bias):
    _sigmoid_bias[_blocks(a.size), THREADS](out, a, bias)


def add_bias(out, a, bias):
    _add_bias[_blocks(a.size), THREADS](out, a, bias)


def _key(k):
    return np.uint32(k & 0xFFFFFFFF)


def sigmoid_bias_sample(probs, states, a, bias, key0, key1, key2):
    _sample[_blocks(a.size), THREADS](probs, states, a, bias, _key(key0), _key(key1), _key(key2), True)


def sample_bernoulli(states, probs, key0, key1, key2):
    _sample[_blocks(probs.size), THREADS](states, states, probs, probs[0], _key(key0), _key(key1), _key(key2),
                                          False)  # fmt: skip


def squared_error(out, slot, a, b):
    _squared_error[1, THREADS](out, np.int32(slot), a, b)


# The batch's ops with what changes from batch to batch read on the device (kernels/OPS.md), so that
# an RBM's batch can be recorded once as a CUDA graph and replayed.


def batch_rows(out, data, state, batch_size):
    _batch_rows[_blocks(out.size), THREADS](out, data, state, np.int64(batch_size))


def sigmoid_bias_sample_at(probs, states, a, bias, key0, key1, counter, offset):
    _sample_at[_blocks(a.size), THREADS](
        probs, states, a, bias, _key(key0), _key(key1), counter, np.int64(offset)
    )


def squared_error_at(out, state, a, b):
    _squared_error_at[1, THREADS](out, state, a, b)


def next_batch(state, counter, draws):
    _next_batch[1, 32](state, counter, np.int64(draws))


def scale(out, x, alpha):
    _scale[_blocks(x.size), THREADS](out, x, np.float32(alpha))


def bias_step(bias, increments, positive, negative, rate, momentum):
    _bias_step[_blocks(bias.shape[0]), THREADS](bias, increments, positive, negative, np.float32(rate),
                                                 np.float32(momentum))  # fmt: skip


def momentum_step(weights, increments, gradient, rate, momentum, decay):
    _momentum_step[_blocks(weights.size), THREADS](weights, increments, gradient, np.float32(rate),
                                                   np.float32(momentum), np.float32(decay))  # fmt: skip
