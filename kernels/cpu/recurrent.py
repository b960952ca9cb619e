"""One timestep of Caffe's RNN and LSTM cells (the layers do the matrix products around them).

Each pre-activation is the input's part plus cont times the recurrent part (cont = 0 starts a
stream's sequence afresh, Caffe's h_conted). The transcendental functions run as NumPy's tanh,
which is vectorized (51,200 float32 values in 25 us here, where a Numba loop calling libm's tanhf
takes 990); the polynomial parts are fused Numba loops. A sigmoid is 0.5 tanh(0.5 x) + 0.5.

LSTM gates are Caffe's order along the 4H columns: input i, forget f, output o, candidate g.
"""

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def _gate_inputs(gates, x_gates, recurrent, cont, hidden):
    """gates = x_gates + cont · recurrent, halved in the three sigmoid gates (tanh's argument)."""
    n, width = gates.shape
    half = gates.dtype.type(0.5)
    for r in range(n):
        k = cont[r]
        for j in range(3 * hidden):
            gates[r, j] = half * (x_gates[r, j] + k * recurrent[r, j])
        for j in range(3 * hidden, width):
            gates[r, j] = x_gates[r, j] + k * recurrent[r, j]


@numba.njit(cache=True, error_model="numpy")
def _cell(c, gates, c_prev, cont):
    """i, f, o from their tanh (0.5 t + 0.5, written back); c = cont · f · c_prev + i · g."""
    n, hidden = c.shape
    half = gates.dtype.type(0.5)
    for r in range(n):
        k = cont[r]
        for j in range(hidden):
            i = half * gates[r, j] + half
            f = half * gates[r, hidden + j] + half
            o = half * gates[r, 2 * hidden + j] + half
            gates[r, j] = i
            gates[r, hidden + j] = f
            gates[r, 2 * hidden + j] = o
            c[r, j] = k * f * c_prev[r, j] + i * gates[r, 3 * hidden + j]


@numba.njit(cache=True, error_model="numpy")
def _output(h, gates, tanh_c):
    n, hidden = h.shape
    for r in range(n):
        for j in range(hidden):
            h[r, j] = gates[r, 2 * hidden + j] * tanh_c[r, j]


def lstm_unit_forward(gates, c, tanh_c, h, x_gates, recurrent, c_prev, cont):
    """gates (N, 4H) = (σ, σ, σ, tanh) of x_gates + cont · recurrent; c = cont · f · c_prev + i · g;
    tanh_c = tanh(c) (kept for the backward pass); h = o · tanh_c."""
    hidden = c.shape[1]
    _gate_inputs(gates, x_gates, recurrent, cont, hidden)
    np.tanh(gates, out=gates)
    _cell(c, gates, c_prev, cont)
    np.tanh(c, out=tanh_c)
    _output(h, gates, tanh_c)


@numba.njit(cache=True, error_model="numpy")
def lstm_unit_backward(dx_gates, dc_prev, gates, tanh_c, c_prev, cont, dh_top, dh_next, cont_next, dc):
    """With dh = dh_top + cont_next · dh_next (the top's gradient, and the next timestep's
    through its recurrent weights, which saw cont_next · h) and dc (the next timestep's gradient
    of c): dx_gates (N, 4H), the gradient of the pre-activations; dc_prev = cont · f · (dc + dh · o ·
    (1 − tanh_c²))."""
    n, hidden = dc.shape
    one = gates.dtype.type(1.0)
    for r in range(n):
        k, k_next = cont[r], cont_next[r]
        for j in range(hidden):
            i = gates[r, j]
            f = gates[r, hidden + j]
            o = gates[r, 2 * hidden + j]
            g = gates[r, 3 * hidden + j]
            t = tanh_c[r, j]
            dh = dh_top[r, j] + k_next * dh_next[r, j]
            dcell = dc[r, j] + dh * o * (one - t * t)
            dc_prev[r, j] = k * f * dcell
            dx_gates[r, j] = dcell * g * i * (one - i)
            dx_gates[r, hidden + j] = k * dcell * c_prev[r, j] * f * (one - f)
            dx_gates[r, 2 * hidden + j] = dh * t * o * (one - o)
            dx_gates[r, 3 * hidden + j] = dcell * i * (one - g * g)


@numba.njit(cache=True, error_model="numpy")
def _hidden_input(h, x_hidden, recurrent, cont):
    n, hidden = h.shape
    for r in range(n):
        k = cont[r]
        for j in range(hidden):
            h[r, j] = x_hidden[r, j] + k * recurrent[r, j]


def rnn_unit_forward(h, x_hidden, recurrent, cont):
    """h (N, H) = tanh(x_hidden + cont · recurrent)."""
    _hidden_input(h, x_hidden, recurrent, cont)
    np.tanh(h, out=h)


@numba.njit(cache=True, error_model="numpy")
def rnn_unit_backward(dx_hidden, h, dh_top, dh_next, cont_next):
    """dx_hidden = (dh_top + cont_next · dh_next) · (1 − h²)."""
    n, hidden = h.shape
    one = h.dtype.type(1.0)
    for r in range(n):
        k_next = cont_next[r]
        for j in range(hidden):
            v = h[r, j]
            dx_hidden[r, j] = (dh_top[r, j] + k_next * dh_next[r, j]) * (one - v * v)
