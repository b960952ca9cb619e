"""CUDA twin of ``kernels/cpu/sgd.py``: Caffe's SGD step over the flat parameter buffer, one pass."""

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
