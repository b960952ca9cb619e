"""The trainer's per-iteration ops, driven by a step counter that lives with the data.

``state[0]`` is the step's slot within the current chunk of iterations. Every op that differs
from one iteration to the next (which batch, which learning rate, where the cost goes) reads the
slot from ``state`` instead of taking it as an argument, so on CUDA one iteration can be recorded
once as a graph and replayed; ``next_step`` advances the counter as the step's last op.
"""

import numba
import numpy as np

from pyrpudl.kernels.cpu.sgd import solver_update


@numba.njit(cache=True)
def select_batch(batch_index, chunk_index, state):
    """batch_index (B,) = chunk_index[slot * B : (slot + 1) * B]: this step's rows of the dataset."""
    batch = batch_index.shape[0]
    start = state[0] * batch
    for b in range(batch):
        batch_index[b] = chunk_index[start + b]


@numba.njit(cache=True)
def record_step(costs, accuracies, state, loss, weight, scores, labels):
    """costs[slot] = weight * loss[0]; accuracies[slot] = share of rows of ``scores`` (batch, classes)
    whose first maximum is the label."""
    batch, classes = scores.shape
    hits = 0
    for b in range(batch):
        best = 0
        for c in range(1, classes):
            if scores[b, c] > scores[b, best]:
                best = c
        if best == labels[b]:
            hits += 1
    slot = state[0]
    costs[slot] = weight * loss[0]
    accuracies[slot] = hits / batch


@numba.njit(cache=True)
def record_cost(costs, accuracies, state, loss, weight):
    """costs[slot] = weight * loss[0]; accuracies[slot] = NaN (a net without class scores)."""
    slot = state[0]
    costs[slot] = weight * loss[0]
    accuracies[slot] = np.nan


@numba.njit(cache=True)
def add_cost(costs, state, loss, weight):
    """costs[slot] += weight * loss[0], for nets with several weighted losses."""
    costs[state[0]] += weight * loss[0]


def scheduled_solver_update(data, history, history2, diff, lr_mult, decay_mult, rates, state, kind, momentum,
                            momentum2, rms_decay, delta, weight_decay, l1):  # fmt: skip
    """Caffe's solver step (``sgd.solver_update``) with this step's learning rate, ``rates[slot]``."""
    cast = data.dtype.type
    solver_update(data, history, history2, diff, lr_mult, decay_mult, cast(rates[state[0]]), int(kind),
                  *map(cast, (momentum, momentum2, rms_decay, delta, weight_decay)), bool(l1))  # fmt: skip


@numba.njit(cache=True)
def next_step(state):
    state[0] += 1
