"""Caffe's SGD step over the whole flat parameter buffer, in one pass.

For every element i:  g = diff + decay * decay_mult[i] * reg(w);  V = momentum V + rate lr_mult[i] g;
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
