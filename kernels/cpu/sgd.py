"""Caffe's solver steps over the whole flat parameter buffer, in one pass.

``sgd_update`` is Caffe's SGD; ``solver_update`` any of Caffe's six solver types. For SGD, every
element i:  g = diff + decay * decay_mult[i] * reg(w);  V = momentum V + rate lr_mult[i] g;
w -= V. reg(w) is w for L2 and sign(w) for L1. The learning rate sits inside the momentum history,
as in Caffe (unlike PyTorch, which applies it after).
"""

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def sgd_update(data, history, diff, lr_mult, decay_mult, rate, momentum, weight_decay, l1):
    """Update ``data`` and ``history`` in place (float32 vectors of one length); ``diff`` is read."""
    for i in numba.prange(data.shape[0]):
        w = data[i]
        regular = (
            (np.float32(1.0) if w > 0 else (np.float32(-1.0) if w < 0 else np.float32(0.0))) if l1 else w
        )
        g = diff[i] + weight_decay * decay_mult[i] * regular
        v = momentum * history[i] + rate * lr_mult[i] * g
        history[i] = v
        data[i] = w - v


# Caffe's solver types, coded by its SolverType enum (kernels take the code; see solver_update).
SGD, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM = range(6)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def solver_update(data, history, history2, diff, lr_mult, decay_mult, rate, kind, momentum, momentum2,
                  rms_decay, delta, weight_decay, l1):  # fmt: skip
    """One step of Caffe's solver ``kind`` over the flat buffers, in place; ``diff`` is read.

    g = diff + decay * decay_mult * reg(w) and r = rate * lr_mult, then (h, h2: the histories)
    SGD       h = momentum h + r g;                          w -= h
    Nesterov  h' = momentum h + r g;                         w -= (1 + momentum) h' - momentum h
    AdaGrad   h += g^2;                                      w -= r g / (sqrt(h) + delta)
    RMSProp   h = rms_decay h + (1 - rms_decay) g^2;         w -= r g / (sqrt(h) + delta)
    AdaDelta  h = momentum h + (1 - momentum) g^2;  u = g sqrt((h2 + delta) / (h + delta));
              h2 = momentum h2 + (1 - momentum) u^2;         w -= r u
    Adam      h = momentum h + (1 - momentum) g;  h2 = momentum2 h2 + (1 - momentum2) g^2;
              w -= r h / (sqrt(h2) + delta)   (the bias correction is folded into ``rate``)
    ``history2`` is read and written by AdaDelta and Adam only. SGD's result is sgd_update's, bit
    for bit.
    """
    one = np.float32(1.0)
    for i in numba.prange(data.shape[0]):
        w = data[i]
        regular = (one if w > 0 else (-one if w < 0 else np.float32(0.0))) if l1 else w
        g = diff[i] + weight_decay * decay_mult[i] * regular
        r = rate * lr_mult[i]
        h = history[i]
        if kind == SGD:
            h = momentum * h + r * g
            step = h
        elif kind == NESTEROV:
            before = h
            h = momentum * h + r * g
            step = (one + momentum) * h - momentum * before
        elif kind == ADAGRAD:
            h = h + g * g
            step = r * g / (np.sqrt(h) + delta)
        elif kind == RMSPROP:
            h = rms_decay * h + (one - rms_decay) * g * g
            step = r * g / (np.sqrt(h) + delta)
        elif kind == ADADELTA:
            h = momentum * h + (one - momentum) * g * g
            u = g * np.sqrt((history2[i] + delta) / (h + delta))
            history2[i] = momentum * history2[i] + (one - momentum) * u * u
            step = r * u
        else:  # ADAM
            h = momentum * h + (one - momentum) * g
            v = momentum2 * history2[i] + (one - momentum2) * g * g
            history2[i] = v
            step = r * h / (np.sqrt(v) + delta)
        history[i] = h
        data[i] = w - step


@numba.njit(cache=True)
def clip_gradients(diff, threshold):
    """Caffe's gradient clipping: when the L2 norm of all of ``diff`` (summed in float64) exceeds
    ``threshold``, scale ``diff`` in place by threshold / norm."""
    total = 0.0
    for i in range(diff.shape[0]):
        total += np.float64(diff[i]) * np.float64(diff[i])
    norm = np.sqrt(total)
    if norm > threshold:
        scale = diff.dtype.type(threshold / norm)
        for i in range(diff.shape[0]):
            diff[i] *= scale
