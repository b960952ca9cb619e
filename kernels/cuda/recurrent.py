"""CUDA twins of ``kernels/cpu/recurrent.py``: one thread per (stream, hidden unit), which reads
and writes that unit's four LSTM gates, so a timestep is one launch (float32)."""

import math

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _lstm_unit_forward(gates, c, tanh_c, h, x_gates, recurrent, c_prev, cont):
    n, hidden = c.shape
    half = np.float32(0.5)
    for k in range(cuda.grid(1), n * hidden, cuda.gridsize(1)):
        r, j = k // hidden, k % hidden
        kept = cont[r]
        i = half * math.tanh(half * (x_gates[r, j] + kept * recurrent[r, j])) + half
        f = half * math.tanh(half * (x_gates[r, hidden + j] + kept * recurrent[r, hidden + j])) + half
        o = half * math.tanh(half * (x_gates[r, 2 * hidden + j] + kept * recurrent[r, 2 * hidden + j])) + half
        g = math.tanh(x_gates[r, 3 * hidden + j] + kept * recurrent[r, 3 * hidden + j])
        cell = kept * f * c_prev[r, j] + i * g
        t = math.tanh(cell)
        gates[r, j] = i
        gates[r, hidden + j] = f
        gates[r, 2 * hidden + j] = o
        gates[r, 3 * hidden + j] = g
        c[r, j] = cell
        tanh_c[r, j] = t
        h[r, j] = o * t


@cuda.jit(cache=True)
def _lstm_unit_backward(dx_gates, dc_prev, gates, tanh_c, c_prev, cont, dh_top, dh_next, cont_next, dc):
    n, hidden = dc.shape
    one = np.float32(1.0)
    for k in range(cuda.grid(1), n * hidden, cuda.gridsize(1)):
        r, j = k // hidden, k % hidden
        kept = cont[r]
        i = gates[r, j]
        f = gates[r, hidden + j]
        o = gates[r, 2 * hidden + j]
        g = gates[r, 3 * hidden + j]
        t = tanh_c[r, j]
        dh = dh_top[r, j] + cont_next[r] * dh_next[r, j]
        dcell = dc[r, j] + dh * o * (one - t * t)
        dc_prev[r, j] = kept * f * dcell
        dx_gates[r, j] = dcell * g * i * (one - i)
        dx_gates[r, hidden + j] = kept * dcell * c_prev[r, j] * f * (one - f)
        dx_gates[r, 2 * hidden + j] = dh * t * o * (one - o)
        dx_gates[r, 3 * hidden + j] = dcell * i * (one - g * g)


@cuda.jit(cache=True)
def _rnn_unit_forward(h, x_hidden, recurrent, cont):
    n, hidden = h.shape
    for k in range(cuda.grid(1), n * hidden, cuda.gridsize(1)):
        r, j = k // hidden, k % hidden
        h[r, j] = math.tanh(x_hidden[r, j] + cont[r] * recurrent[r, j])


@cuda.jit(cache=True)
def _rnn_unit_backward(dx_hidden, h, dh_top, dh_next, cont_next):
    n, hidden = h.shape
    for k in range(cuda.grid(1), n * hidden, cuda.gridsize(1)):
        r, j = k // hidden, k % hidden
        v = h[r, j]
        dx_hidden[r, j] = (dh_top[r, j] + cont_next[r] * dh_next[r, j]) * (np.float32(1.0) - v * v)


def lstm_unit_forward(gates, c, tanh_c, h, x_gates, recurrent, c_prev, cont):
    _lstm_unit_forward[_blocks(c.size), THREADS](gates, c, tanh_c, h, x_gates, recurrent, c_prev, cont)


def lstm_unit_backward(dx_gates, dc_prev, gates, tanh_c, c_prev, cont, dh_top, dh_next, cont_next, dc):
    _lstm_unit_backward[_blocks(dc.size), THREADS](
        dx_gates, dc_prev, gates, tanh_c, c_prev, cont, dh_top, dh_next, cont_next, dc
    )


def rnn_unit_forward(h, x_hidden, recurrent, cont):
    _rnn_unit_forward[_blocks(h.size), THREADS](h, x_hidden, recurrent, cont)


def rnn_unit_backward(dx_hidden, h, dh_top, dh_next, cont_next):
    _rnn_unit_backward[_blocks(h.size), THREADS](dx_hidden, h, dh_top, dh_next, cont_next)
