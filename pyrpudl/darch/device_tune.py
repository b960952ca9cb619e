"""Backpropagation on a backend's device (CUDA): the same updates as ``tuners.backpropagation`` (or
``tuners.rpropagation``'s resilient ones), with the network, the data and every intermediate on the
device; the host reads the weights (and Rprop's state) after each epoch and the outputs of the sets
it evaluates.

It serves networks of the engine's deterministic units (sigmoid, tanh, linear, softmax) in single
precision; the fine-tune loop keeps everything else on the CPU.
"""

import numpy as np

from pyrpudl.backend import Backend, RecordedSteps
from pyrpudl.darch import units
from pyrpudl.darch.model import DArch
from pyrpudl.darch.tuners import RPROP_DEFAULTS, RPROP_METHODS, check_rprop_method

KINDS = {"sigmoid": (0, "sigmoid_bias"), "softmax": (0, "softmax_bias"), "tanh": (1, "tanh_bias"),
         "linear": (2, "add_bias")}  # fmt: skip


def supports(darch: DArch, backend: Backend) -> bool:
    """Whether this darch's fine-tuning can run on ``backend``'s device."""
    return (
        backend.name == "cuda"
        and darch.fine_tune_function in ("backpropagation", "rpropagation")
        and darch.dtype == np.float32
        and all(units.unit_kind(layer.unit) in KINDS for layer in darch.layers)
    )


class DeviceBackprop:
    """Backpropagation steps of ``darch`` on ``backend``; ``download`` brings the weights back.
    ``tuner_args``: rpropagation's settings, when that is the darch's fine-tune function."""

    def __init__(self, darch: DArch, backend: Backend, batch: int, exact_output: bool, **tuner_args):
        self.darch, self.backend, self.ops = darch, backend, backend.ops
        empty = backend.empty
        self.kinds = [KINDS[units.unit_kind(layer.unit)] for layer in darch.layers]
        self.mode = 1 if exact_output else 0
        self.weights, self.increments = [], []
        for layer in darch.layers:
            if layer.increments is None:
                layer.increments = np.zeros_like(layer.weights)
            self.weights.append(backend.to_device(np.asarray(layer.weights)))
            self.increments.append(backend.to_device(np.asarray(layer.increments)))
        sizes = darch.sizes
        self.outputs = [empty((batch, n)) for n in sizes[1:]]
        self.deltas = [empty((batch, n)) for n in sizes[1:]]
        self.backs = [empty((batch, n)) for n in sizes[1:-1]]
        self.grads = [empty((n_in + 1, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        self.views = {}
        # a batch's rows are copied into fixed buffers at a batch index kept on the device, so the
        # batch can be recorded once as a CUDA graph per (rows, momentum, data) and replayed
        self.batch = batch
        self.batch_x, self.batch_t = empty((batch, sizes[0])), empty((batch, sizes[-1]))
        self.state = empty((1,), np.int32)
        self.counter = empty((1,), np.int64)  # next_batch's draw counter: unused here (no sampling)
        self.epoch_data = None  # (x, t) on the device for shuffled epochs, refilled each epoch
        self.steps = RecordedSteps(backend)
        self.rprop = self._rprop_state(tuner_args) if darch.fine_tune_function == "rpropagation" else None

    def _rprop_state(self, tuner_args: dict) -> dict:
        """Rprop's settings, and its state on the device: per layer the previous gradient, the step
        sizes and the last change (darch's layer state, or a fresh start), and the batches' errors
        (the squared error sums of this batch and the last; the tuner keeps half the last one)."""
        settings = RPROP_DEFAULTS | {k: v for k, v in tuner_args.items() if k in RPROP_DEFAULTS}
        check_rprop_method(settings["method"])
        layers = []
        for layer, weights in zip(self.darch.layers, self.weights, strict=True):
            s, shape = layer.state, weights.shape
            fresh = "rprop_delta" not in s
            zeros = np.zeros(shape, np.float32)
            start = {"rprop_gradient": zeros, "rprop_change": zeros,
                     "rprop_delta": np.full(shape, settings["initDelta"], np.float32)}  # fmt: skip
            layers.append({k: self.backend.to_device(start[k] if fresh else np.asarray(s[k])) for k in start})
        # no error yet: the largest float32 rather than infinity, which axpby's 0 * x would turn into NaN
        last = min(2 * self.darch.stats.get("_rprop_error", [np.inf])[-1], float(np.finfo(np.float32).max))
        errors = self.backend.to_device(np.array([last, 0.0], np.float32))
        return {"settings": settings, "layers": layers, "errors": errors}

    def _views(self, n):
        """Row slices of the buffers for a batch of ``n`` rows (slicing device arrays costs microseconds)."""
        views = self.views.get(n)
        if views is None:
            views = self.views[n] = ([o[:n] for o in self.outputs], [d[:n] for d in self.deltas],
                                     [b[:n] for b in self.backs])  # fmt: skip
        return views

    def forward(self, x, outputs) -> None:
        for i, (weights, (_, op)) in enumerate(zip(self.weights, self.kinds, strict=True)):
            below = x if i == 0 else outputs[i - 1]
            self.ops.gemm(outputs[i], below, weights[:-1], False, False, 1.0, 0.0)
            getattr(self.ops, op)(outputs[i], outputs[i], weights[-1])

    def step(self, x, t, momentum: float) -> None:
        """One batch: forward, deltas from the top, each layer's gradient and momentum update."""
        ops, darch, n = self.ops, self.darch, x.shape[0]
        outputs, deltas, backs = self._views(n)
        self.forward(x, outputs)
        top = len(self.weights) - 1
        ops.unit_delta(deltas[top], outputs[top], t, self.kinds[top][0], self.mode)
        if self.rprop is not None:  # the last batch's error moves over, this one's comes in
            errors = self.rprop["errors"]
            ops.axpby(errors[1:], 1.0, errors[:1], 0.0, errors[1:])
            ops.squared_error(errors, 0, outputs[top], t)
        for i in range(top, -1, -1):
            below = x if i == 0 else outputs[i - 1]
            grad, weights, inc = self.grads[i], self.weights[i], self.increments[i]
            ops.gemm(grad[:-1], below, deltas[i], True, False, 1.0, 0.0)
            ops.sum_columns(grad[-1], deltas[i])
            if i > 0:  # the delta below, through the weights as they were in the forward pass
                ops.gemm(backs[i - 1], deltas[i], weights[:-1], False, True, 1.0, 0.0)
                ops.unit_delta(deltas[i - 1], outputs[i - 1], backs[i - 1], self.kinds[i - 1][0], 2)
            if self.rprop is not None:
                self._rprop_update(i, grad)
            else:
                ops.momentum_step(
                    weights[:-1], inc[:-1], grad[:-1], -darch.learn_rate_weights / n, momentum, 0.0
                )
                ops.momentum_step(
                    weights[-1:], inc[-1:], grad[-1:], -darch.learn_rate_biases / n, momentum, 0.0
                )

    def _rprop_update(self, i: int, grad) -> None:
        """Layer ``i``'s resilient step from its summed gradient ``grad`` (bias row included)."""
        state, settings = self.rprop["layers"][i], self.rprop["settings"]
        method = RPROP_METHODS.index(settings["method"])
        limits = (settings["incFact"], settings["decFact"], settings["minDelta"], settings["maxDelta"])
        self.ops.rprop_step(self.weights[i], grad, state["rprop_gradient"], state["rprop_delta"],
                            state["rprop_change"], self.rprop["errors"], method, *limits,
                            settings["weightDecay"])  # fmt: skip

    def epoch(self, data, bounds, momentum: float) -> None:
        """One pass of backpropagation over device data ``(x, t)`` in ``bounds``: each batch is
        launched op by op the first time its (rows, momentum, data) comes, recorded as a CUDA graph,
        and replayed after that (one launch instead of ~23 ops for a 784-500-500-10 net, each ~55 us
        of Python on an H100)."""
        self.backend.copy_from_host(self.state, np.zeros(1, np.int32))
        for start, end in bounds:
            n = end - start
            key = (n, momentum, id(data[0]), id(data[1]))
            self.steps.run(key, lambda: self._counted_step(data, n, momentum))  # noqa: B023 (run at once)
        self.download()

    def shuffled(self, x: np.ndarray, t: np.ndarray):
        """The epoch's permuted rows on the device, in the same two buffers every epoch."""
        if self.epoch_data is None:
            self.epoch_data = (self.backend.to_device(x), self.backend.to_device(t))
        else:
            self.backend.copy_from_host(self.epoch_data[0], x)
            self.backend.copy_from_host(self.epoch_data[1], t)
        return self.epoch_data

    def _counted_step(self, data, n: int, momentum: float) -> None:
        x, t = self.batch_x[:n], self.batch_t[:n]
        self.ops.batch_rows(x, data[0], self.state, self.batch)
        self.ops.batch_rows(t, data[1], self.state, self.batch)
        self.step(x, t, momentum)
        self.ops.next_batch(self.state, self.counter, 0)

    def outputs_of(self, x, rows: int) -> np.ndarray:
        """The network's output for device data ``x``, in blocks of ``rows``, on the host."""
        blocks = []
        buffers = [self.backend.empty((rows, o.shape[1])) for o in self.outputs]
        for start in range(0, x.shape[0], rows):
            part = x[start : start + rows]
            views = [b[: part.shape[0]] for b in buffers]
            self.forward(part, views)
            blocks.append(self.backend.to_host(views[-1]))
        return np.concatenate(blocks)

    def download(self) -> None:
        for layer, weights, inc in zip(self.darch.layers, self.weights, self.increments, strict=True):
            layer.weights[...] = self.backend.to_host(weights)
            layer.increments[...] = self.backend.to_host(inc)
        if self.rprop is not None:  # where the CPU's tuner keeps them, so either device can go on
            for layer, state in zip(self.darch.layers, self.rprop["layers"], strict=True):
                layer.state.update({k: self.backend.to_host(v) for k, v in state.items()})
            self.darch.stats["_rprop_error"] = [0.5 * float(self.backend.to_host(self.rprop["errors"])[0])]
