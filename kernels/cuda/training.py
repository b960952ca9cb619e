"""CUDA twins of ``kernels/cpu/training.py``: the per-iteration ops that read the step counter on
the device, so that a training step can be captured once as a CUDA graph and replayed."""

import math

import numpy as np
from numba import cuda

# the scheduled update's kernel lives beside its element function: Numba's disk cache tracks only
# the file a kernel is defined in
from .sgd import _scheduled_solver_update, solver_scalars

THREADS = 128
SGD_THREADS = 256


@cuda.jit(cache=True)
def _select_batch(batch_index, chunk_index, state):
    batch = batch_index.shape[0]
    start = state[0] * batch
    for b in range(cuda.grid(1), batch, cuda.gridsize(1)):
        batch_index[b] = chunk_index[start + b]


@cuda.jit(cache=True)
def _record_step(costs, accuracies, state, loss, weight, scores, labels):
    # one block: each thread judges rows, then a shared-memory sum of the hits
    hits = cuda.shared.array(THREADS, np.int32)
    tid = cuda.threadIdx.x
    batch, classes = scores.shape
    mine = 0
    for b in range(tid, batch, THREADS):
        best = 0
        for c in range(1, classes):
            if scores[b, c] > scores[b, best]:
                best = c
        if best == labels[b]:
            mine += 1
    hits[tid] = mine
    cuda.syncthreads()
    step = THREADS // 2
    while step > 0:
        if tid < step:
            hits[tid] += hits[tid + step]
        cuda.syncthreads()
        step //= 2
    if tid == 0:
        slot = state[0]
        costs[slot] = weight * loss[0]
        accuracies[slot] = np.float32(hits[0]) / np.float32(batch)


@cuda.jit(cache=True)
def _record_cost(costs, accuracies, state, loss, weight):
    if cuda.grid(1) == 0:
        slot = state[0]
        costs[slot] = weight * loss[0]
        accuracies[slot] = np.float32(math.nan)


@cuda.jit(cache=True)
def _add_cost(costs, state, loss, weight):
    if cuda.grid(1) == 0:
        costs[state[0]] += weight * loss[0]


@cuda.jit(cache=True)
def _next_step(state):
    if cuda.grid(1) == 0:
        state[0] += 1


def select_batch(batch_index, chunk_index, state):
    _select_batch[1, 256](batch_index, chunk_index, state)


def record_step(costs, accuracies, state, loss, weight, scores, labels):
    _record_step[1, THREADS](costs, accuracies, state, loss, np.float32(weight), scores, labels)


def record_cost(costs, accuracies, state, loss, weight):
    _record_cost[1, 32](costs, accuracies, state, loss, np.float32(weight))


def add_cost(costs, state, loss, weight):
    _add_cost[1, 32](costs, state, loss, np.float32(weight))


def scheduled_solver_update(data, history, history2, diff, lr_mult, decay_mult, rates, state, kind, momentum,
                            momentum2, rms_decay, delta, weight_decay, l1):  # fmt: skip
    blocks = max(1, min((data.shape[0] + SGD_THREADS - 1) // SGD_THREADS, 1024))
    _scheduled_solver_update[blocks, SGD_THREADS](
        data, history, history2, diff, lr_mult, decay_mult, rates, state,
        *solver_scalars(kind, momentum, momentum2, rms_decay, delta, weight_decay, l1),
    )  # fmt: skip


def next_step(state):
    _next_step[1, 32](state)
