"""CUDA twin of ``kernels/cpu/sgd.py``: Caffe's solver steps over the flat parameter buffer, one pass."""

import math

import numpy as np
from numba import cuda

THREADS = 256
MAX_BLOCKS = 4096


@cuda.jit(cache=True)
def _sgd_update(data, history, diff, lr_mult, decay_mult, rate, momentum, weight_decay, l1):
    zero = np.float32(0.0)
    for i in range(cuda.grid(1), data.shape[0], cuda.gridsize(1)):
        w = data[i]
        if l1:
            regular = np.float32(1.0) if w > zero else (np.float32(-1.0) if w < zero else zero)
        else:
            regular = w
        g = diff[i] + weight_decay * decay_mult[i] * regular
        v = momentum * history[i] + rate * lr_mult[i] * g
        history[i] = v
        data[i] = w - v


def sgd_update(data, history, diff, lr_mult, decay_mult, rate, momentum, weight_decay, l1):
    """Update ``data`` and ``history`` in place; ``diff`` is read."""
    n = data.shape[0]
    _sgd_update[max(1, min((n + THREADS - 1) // THREADS, MAX_BLOCKS)), THREADS](
        data, history, diff, lr_mult, decay_mult, np.float32(rate), np.float32(momentum),
        np.float32(weight_decay), bool(l1),
    )  # fmt: skip


SGD, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM = range(6)  # Caffe's SolverType codes, as on the CPU


@cuda.jit(device=True)
def solver_element(w, d, h, h2, lr_mult, decay_mult, rate, kind, momentum, momentum2, rms_decay, delta,
                   weight_decay, l1):  # fmt: skip
    """One element of ``solver_update``: the new (w, h, h2)."""
    zero, one = np.float32(0.0), np.float32(1.0)
    regular = w
    if l1:
        regular = one if w > zero else (-one if w < zero else zero)
    g = d + weight_decay * decay_mult * regular
    r = rate * lr_mult
    if kind == SGD:
        h = momentum * h + r * g
        step = h
    elif kind == NESTEROV:
        before = h
        h = momentum * h + r * g
        step = (one + momentum) * h - momentum * before
    elif kind == ADAGRAD:
        h = h + g * g
        step = r * g / (math.sqrt(h) + delta)
    elif kind == RMSPROP:
        h = rms_decay * h + (one - rms_decay) * g * g
        step = r * g / (math.sqrt(h) + delta)
    elif kind == ADADELTA:
        h = momentum * h + (one - momentum) * g * g
        u = g * math.sqrt((h2 + delta) / (h + delta))
        h2 = momentum * h2 + (one - momentum) * u * u
        step = r * u
    else:  # ADAM: the bias correction is folded into rate
        h = momentum * h + (one - momentum) * g
        h2 = momentum2 * h2 + (one - momentum2) * g * g
        step = r * h / (math.sqrt(h2) + delta)
    return w - step, h, h2


@cuda.jit(device=True)
def _update_all(data, history, history2, diff, lr_mult, decay_mult, rate, kind, momentum, momentum2,
                rms_decay, delta, weight_decay, l1):  # fmt: skip
    for i in range(cuda.grid(1), data.shape[0], cuda.gridsize(1)):
        w, h, h2 = solver_element(data[i], diff[i], history[i], history2[i], lr_mult[i], decay_mult[i], rate,
                                  kind, momentum, momentum2, rms_decay, delta, weight_decay, l1)  # fmt: skip
        data[i], history[i] = w, h
        if kind == ADADELTA or kind == ADAM:
            history2[i] = h2


@cuda.jit(cache=True)
def _solver_update(data, history, history2, diff, lr_mult, decay_mult, rate, kind, momentum, momentum2,
                   rms_decay, delta, weight_decay, l1):  # fmt: skip
    _update_all(data, history, history2, diff, lr_mult, decay_mult, rate, kind, momentum, momentum2,
                rms_decay, delta, weight_decay, l1)  # fmt: skip


@cuda.jit(cache=True)
def _scheduled_solver_update(data, history, history2, diff, lr_mult, decay_mult, rates, state, kind, momentum,
                             momentum2, rms_decay, delta, weight_decay, l1):  # fmt: skip
    # training.py's op: the rate of this step's slot, read on the device (see kernels/OPS.md)
    _update_all(data, history, history2, diff, lr_mult, decay_mult, rates[state[0]], kind, momentum,
                momentum2, rms_decay, delta, weight_decay, l1)  # fmt: skip


def solver_scalars(kind, momentum, momentum2, rms_decay, delta, weight_decay, l1) -> tuple:
    """The launch arguments after the arrays (and rate), typed as the kernels take them."""
    return (np.int32(kind), *map(np.float32, (momentum, momentum2, rms_decay, delta, weight_decay)), bool(l1))


def solver_update(data, history, history2, diff, lr_mult, decay_mult, rate, kind, momentum, momentum2,
                  rms_decay, delta, weight_decay, l1):  # fmt: skip
    """Caffe's solver ``kind`` over the flat buffers, in place (see the CPU twin)."""
    n = data.shape[0]
    _solver_update[max(1, min((n + THREADS - 1) // THREADS, MAX_BLOCKS)), THREADS](
        data, history, history2, diff, lr_mult, decay_mult, np.float32(rate),
        *solver_scalars(kind, momentum, momentum2, rms_decay, delta, weight_decay, l1),
    )  # fmt: skip


@cuda.jit(cache=True)
def _clip_gradients(diff, threshold):
    # one block, so the norm needs no second launch: each thread sums a fixed stride in float64,
    # a tree in shared memory gives the norm, then each thread scales its stride
    partial = cuda.shared.array(THREADS, np.float64)
    t = cuda.threadIdx.x
    total = 0.0
    for i in range(t, diff.shape[0], THREADS):
        total += np.float64(diff[i]) * np.float64(diff[i])
    partial[t] = total
    cuda.syncthreads()
    step = THREADS // 2
    while step > 0:
        if t < step:
            partial[t] += partial[t + step]
        cuda.syncthreads()
        step //= 2
    norm = math.sqrt(partial[0])
    if norm > threshold:
        scale = np.float32(threshold / norm)
        for i in range(t, diff.shape[0], THREADS):
            diff[i] *= scale


def clip_gradients(diff, threshold):
    """Scale ``diff`` to L2 norm ``threshold`` when it is longer (see the CPU twin)."""
    _clip_gradients[1, THREADS](diff, np.float64(threshold))
