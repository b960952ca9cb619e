"""Caffe's recurrent layers, RNN and LSTM, over T timesteps of N streams: x (T, N, ...), cont (T, N)
(0 where a stream's sequence starts, 1 where it goes on), optionally x_static (N, ...) seen at every
timestep; top (T, N, num_output).

Caffe unrolls these into a net of InnerProduct, Eltwise, Scale and LSTMUnit layers; here they are
the same arithmetic in one layer: the input's transform of all timesteps is one matrix product,
then each timestep is one product with the recurrent weights and one cell op (kernels/OPS.md,
recurrent.py), and backpropagation through time walks the timesteps back, with the weights'
gradients again one product over all timesteps. As in Caffe, the hidden state (h, and LSTM's c)
at the end of a batch starts the next batch (h_0 = h_T), so a stream may go on across batches
(truncated backpropagation: no gradient flows back across a batch boundary), and cont = 0 starts
it afresh.

LSTM: gates (i, f, o, g) = (σ, σ, σ, tanh)(W_xc x_t + b_c [+ W_xc_static x_static] + W_hc cont_t h_{t-1}),
c_t = cont_t f c_{t-1} + i g, h_t = o tanh(c_t). RNN: h_t = tanh(W_xh x_t + b_h [+ W_xh_static x_static]
+ W_hh cont_t h_{t-1}), o_t = tanh(W_ho h_t + b_o). Parameters in Caffe's order (pyrpudl.net.shapes).
"""

from pyrpudl.net.layers.base import Layer, register
from pyrpudl.net.shapes import recurrent_static_input


class _Recurrent(Layer):
    gates_per_unit = 1

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.hidden = spec.recurrent_param.num_output
        self.width = self.gates_per_unit * self.hidden
        self.static = recurrent_static_input(spec)
        self.recurrent_index = 3 if self.static else 2  # W_hc / W_hh
        # expose_hidden: the states before the first timestep are bottoms from this one on, and
        # those after the last are tops (Caffe passes no gradient through either)
        self.exposed = spec.recurrent_param.expose_hidden
        self.first_state = 3 if self.static else 2
        self._slices: dict[str, tuple] = {}

    # -- views of timesteps, made once per buffer (a device array's slice costs microseconds) --

    def _steps(self, key: str, array, count: int):
        """(array[0], ..., array[count - 1]), kept while ``array`` is the same object."""
        kept = self._slices.get(key)
        if kept is None or kept[0] is not array:
            kept = self._slices[key] = (array, tuple(array[t] for t in range(count)))
        return kept[1]

    def _part(self, key: str, array, start: int, stop: int):
        """array[start:stop], kept likewise."""
        kept = self._slices.get(key)
        if kept is None or kept[0] is not array:
            kept = self._slices[key] = (array, array[start:stop])
        return kept[1]

    def _start(self, bottoms, *states) -> None:
        """Each state's timestep 0: the exposed bottom's value, else the last batch's final state
        (h_0 = h_T, Caffe's RecurrentLayer carries it)."""
        for k, steps in enumerate(states):
            source = self.flat(bottoms[self.first_state + k] if self.exposed else steps[-1])
            self.ops.axpby(self.flat(steps[0]), 1.0, source, 0.0, source)

    def _tops(self, top, *states):
        """The top, and with expose_hidden each state after the last timestep (1, N, H)."""
        if not self.exposed:
            return [top]
        return [top, *(self.backend.view(steps[-1], (1, *steps[-1].shape)) for steps in states)]

    def _no_state_gradients(self, gradients: list) -> list:
        return gradients + [None] * (len(self.bottom_shapes) - len(gradients))

    # -- the input's transform and its gradients, shared by RNN and LSTM --

    def _input_transform(self, bottoms):
        """W x_t + b (+ W_static x_static) for every timestep: (T, N, width)."""
        x = bottoms[0]
        t, n = x.shape[:2]
        rows = self.backend.view(x, (t * n, x.size // (t * n)))
        out = self.buffer("x_transform", (t, n, self.width), x.dtype)
        flat_rows = self.backend.view(out, (t * n, self.width))
        self.ops.gemm(flat_rows, rows, self.params[0], False, True, 1.0, 0.0)
        self.ops.add_bias_columns(flat_rows, self.params[1])
        if self.static:
            static = self._static_rows(bottoms[2])
            shared = self.buffer("static_transform", (n, self.width), x.dtype)
            self.ops.gemm(shared, static, self.params[2], False, True, 1.0, 0.0)
            for step in self._steps("x_transform", out, t):
                self.ops.add(self.flat(step), self.flat(step), self.flat(shared))
        return out

    def _static_rows(self, x_static):
        n = x_static.shape[0]
        return self.backend.view(x_static, (n, x_static.size // n))

    def _input_gradients(self, d_input, previous_h, bottoms):
        """The gradients of the weights and of the inputs from d_input (T, N, width), the
        pre-activations' gradient; the recurrent weights saw cont_t · h_{t-1} (previous_h
        (T, N, H), scaled here)."""
        x = bottoms[0]
        t, n = x.shape[:2]
        view, gemm, learned = self.backend.view, self.ops.gemm, self.param_propagate_down
        rows = view(x, (t * n, x.size // (t * n)))
        d_rows = view(d_input, (t * n, self.width))
        if learned[0]:
            gemm(self.grads[0], d_rows, rows, True, False, 1.0, 0.0)
        if learned[1]:
            self.ops.sum_columns(self.grads[1], d_rows)
        r = self.recurrent_index
        if learned[r]:  # Σ_t d_t^T (cont_t · h_{t-1}), Caffe's h_conted
            conted = self.buffer("h_conted", (1, t * n, self.hidden), x.dtype)
            cont = self.flat(bottoms[1])
            self.ops.scale_forward(conted, view(previous_h, conted.shape), cont, cont, False)
            h_rows = view(conted, (t * n, self.hidden))
            gemm(self.grads[r], d_rows, h_rows, True, False, 1.0, 0.0)
        d_static = None
        if self.static and (learned[2] or self.propagate_down[2]):
            summed = self.buffer("static_gradient", (n, self.width), x.dtype)  # Σ_t d_t
            self.ops.sum_columns(self.flat(summed), view(d_input, (t, n * self.width)))
            static = self._static_rows(bottoms[2])
            if learned[2]:
                gemm(self.grads[2], summed, static, True, False, 1.0, 0.0)
            if self.propagate_down[2]:
                d_static = self.buffer("static_diff", static.shape, x.dtype)
                gemm(d_static, summed, self.params[2], False, False, 1.0, 0.0)
                d_static = view(d_static, bottoms[2].shape)
        d_x = None
        if self.propagate_down[0]:
            d_x = self.buffer("bottom_diff", rows.shape, x.dtype)
            gemm(d_x, d_rows, self.params[0], False, False, 1.0, 0.0)
            d_x = view(d_x, x.shape)
        return [d_x, None] + ([d_static] if self.static else [])

    def _cont(self, cont, t: int):
        return self._steps("cont", self.backend.view(cont, (t, cont.size // t)), t)


@register
class LSTM(_Recurrent):
    type_name = "LSTM"
    gates_per_unit = 4

    def forward(self, bottoms, train):
        x = bottoms[0]
        t, n = x.shape[:2]
        shape = (t + 1, n, self.hidden)
        x_gates = self._steps("x_gates", self._input_transform(bottoms), t)
        h = self.filled("h", shape, x.dtype, 0.0)
        c = self.filled("c", shape, x.dtype, 0.0)
        hs, cs = self._steps("h", h, t + 1), self._steps("c", c, t + 1)
        self._start(bottoms, hs, cs)
        gates = self._steps("gates", self.buffer("gates", (t, n, self.width), x.dtype), t)
        tanh_c = self._steps("tanh_c", self.buffer("tanh_c", (t, n, self.hidden), x.dtype), t)
        recurrent = self.buffer("recurrent", (n, self.width), x.dtype)
        cont = self._cont(bottoms[1], t)
        w_h = self.params[self.recurrent_index]
        for s in range(t):
            self.ops.gemm(recurrent, hs[s], w_h, False, True, 1.0, 0.0)
            self.ops.lstm_unit_forward(
                gates[s], cs[s + 1], tanh_c[s], hs[s + 1], x_gates[s], recurrent, cs[s], cont[s]
            )
        return self._tops(self._part("top", h, 1, t + 1), hs, cs)

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        t, n = x.shape[:2]
        dtype = x.dtype
        h, c = self._buffers["h"], self._buffers["c"]
        cs = self._steps("c", c, t + 1)
        gates = self._steps("gates", self._buffers["gates"], t)
        tanh_c = self._steps("tanh_c", self._buffers["tanh_c"], t)
        cont = self._cont(bottoms[1], t)
        d_top = self._steps("d_top", self.backend.view(top_diffs[0], (t, n, self.hidden)), t)
        d_gates_all = self.buffer("d_gates", (t, n, self.width), dtype)
        d_gates = self._steps("d_gates", d_gates_all, t)
        zeros = self.filled("zeros", (n, self.hidden), dtype, 0.0)  # no gradient from beyond the batch
        dh_next = self.buffer("dh_next", (n, self.hidden), dtype)
        dc = (self.buffer("dc_a", (n, self.hidden), dtype), self.buffer("dc_b", (n, self.hidden), dtype))
        w_h = self.params[self.recurrent_index]
        for k, s in enumerate(range(t - 1, -1, -1)):
            dh_in, dc_in = (zeros, zeros) if k == 0 else (dh_next, dc[k % 2])
            cont_next = cont[min(s + 1, t - 1)]  # (at the last timestep it scales the zeros)
            self.ops.lstm_unit_backward(
                d_gates[s],
                dc[(k + 1) % 2],
                gates[s],
                tanh_c[s],
                cs[s],
                cont[s],
                d_top[s],
                dh_in,
                cont_next,
                dc_in,
            )
            if s > 0:  # W_h^T d_s, which cont_s scales at timestep s - 1
                self.ops.gemm(dh_next, d_gates[s], w_h, False, False, 1.0, 0.0)
        gradients = self._input_gradients(d_gates_all, self._part("h_previous", h, 0, t), bottoms)
        return self._no_state_gradients(gradients)


@register
class RNN(_Recurrent):
    type_name = "RNN"

    def forward(self, bottoms, train):
        x = bottoms[0]
        t, n = x.shape[:2]
        x_hidden = self._steps("x_hidden", self._input_transform(bottoms), t)
        h = self.filled("h", (t + 1, n, self.hidden), x.dtype, 0.0)
        hs = self._steps("h", h, t + 1)
        self._start(bottoms, hs)
        recurrent = self.buffer("recurrent", (n, self.hidden), x.dtype)
        cont = self._cont(bottoms[1], t)
        w_h = self.params[self.recurrent_index]
        for s in range(t):
            self.ops.gemm(recurrent, hs[s], w_h, False, True, 1.0, 0.0)
            self.ops.rnn_unit_forward(hs[s + 1], x_hidden[s], recurrent, cont[s])
        # o_t = tanh(W_ho h_t + b_o), all timesteps at once
        h_rows = self.backend.view(self._part("top_h", h, 1, t + 1), (t * n, self.hidden))
        out = self.buffer("top", (t * n, self.hidden), x.dtype)
        self.ops.gemm(out, h_rows, self.params[-2], False, True, 1.0, 0.0)
        self.ops.add_bias_columns(out, self.params[-1])
        self.ops.tanh_forward(self.flat(out), self.flat(out))
        return self._tops(self.backend.view(out, (t, n, self.hidden)), hs)

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        t, n = x.shape[:2]
        dtype, view, gemm = x.dtype, self.backend.view, self.ops.gemm
        h = self._buffers["h"]
        hs = self._steps("h", h, t + 1)
        cont = self._cont(bottoms[1], t)
        d_out = self.buffer("d_out", (t * n, self.hidden), dtype)  # through o's tanh
        self.ops.tanh_backward(self.flat(d_out), self.flat(top_diffs[0]), self.flat(tops[0]))
        h_rows = view(self._part("top_h", h, 1, t + 1), (t * n, self.hidden))
        if self.param_propagate_down[-2]:
            gemm(self.grads[-2], d_out, h_rows, True, False, 1.0, 0.0)
        if self.param_propagate_down[-1]:
            self.ops.sum_columns(self.grads[-1], d_out)
        d_h_top = self.buffer("d_h_top", (t, n, self.hidden), dtype)
        gemm(view(d_h_top, (t * n, self.hidden)), d_out, self.params[-2], False, False, 1.0, 0.0)
        d_h_tops = self._steps("d_h_top", d_h_top, t)
        d_hidden_all = self.buffer("d_hidden", (t, n, self.hidden), dtype)
        d_hidden = self._steps("d_hidden", d_hidden_all, t)
        zeros = self.filled("zeros", (n, self.hidden), dtype, 0.0)  # no gradient from beyond the batch
        dh_next = self.buffer("dh_next", (n, self.hidden), dtype)
        w_h = self.params[self.recurrent_index]
        for s in range(t - 1, -1, -1):
            dh_in = zeros if s == t - 1 else dh_next
            cont_next = cont[min(s + 1, t - 1)]
            self.ops.rnn_unit_backward(d_hidden[s], hs[s + 1], d_h_tops[s], dh_in, cont_next)
            if s > 0:
                gemm(dh_next, d_hidden[s], w_h, False, False, 1.0, 0.0)
        gradients = self._input_gradients(d_hidden_all, self._part("h_previous", h, 0, t), bottoms)
        return self._no_state_gradients(gradients)


@register
class LSTMUnit(Layer):
    """Caffe's LSTMUnit, the cell of one timestep as a layer of its own (the piece Caffe's LSTM
    unrolls into, for nets that unroll by hand): bottoms c_prev (1, N, H), the gates'
    pre-activations (1, N, 4H, i f o g) and cont (1, N); tops c and h (1, N, H). It has no
    gradient for cont, as in Caffe."""

    type_name = "LSTMUnit"

    def forward(self, bottoms, train):
        c_prev, x, cont = bottoms
        n, hidden = c_prev.shape[1], c_prev.shape[2]
        view, dtype = self.backend.view, c_prev.dtype
        gates = self.buffer("gates", (n, 4 * hidden), dtype)
        c, tanh_c, h = (self.buffer(key, (n, hidden), dtype) for key in ("c", "tanh_c", "h"))
        recurrent = self.filled("recurrent", (n, 4 * hidden), dtype, 0.0)  # the gates' input is x alone
        self.ops.lstm_unit_forward(gates, c, tanh_c, h, view(x, (n, 4 * hidden)), recurrent,
                                   view(c_prev, (n, hidden)), self.flat(cont))  # fmt: skip
        return [view(c, (1, n, hidden)), view(h, (1, n, hidden))]

    def backward(self, top_diffs, bottoms, tops):
        c_prev, x, cont = bottoms
        n, hidden = c_prev.shape[1], c_prev.shape[2]
        view, dtype = self.backend.view, c_prev.dtype
        d_gates = self.buffer("d_gates", (n, 4 * hidden), dtype)
        dc_prev = self.buffer("dc_prev", (n, hidden), dtype)
        zeros = self.filled("zeros", (n, hidden), dtype, 0.0)  # no next timestep
        cont = self.flat(cont)
        self.ops.lstm_unit_backward(d_gates, dc_prev, self._buffers["gates"], self._buffers["tanh_c"],
                                    view(c_prev, (n, hidden)), cont, view(top_diffs[1], (n, hidden)),
                                    zeros, cont, view(top_diffs[0], (n, hidden)))  # fmt: skip
        return [view(dc_prev, c_prev.shape), view(d_gates, x.shape), None]
