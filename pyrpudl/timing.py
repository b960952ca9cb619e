"""Caffe's ``caffe time``: how long each layer of a model's training net takes, forward and backward.

One untimed pass first (kernels compile, buffers are allocated), then ``iterations`` passes of the
first ``batch`` training examples, each layer timed on its own (on a GPU the device is waited for
after each layer, so the figures are eager launches: training replays its steps as one CUDA graph
and takes less than their sum). The model is not changed: the passes run on a copy of its
parameters (BatchNorm's statistics move in a training pass). What is not timed: the Data layer
(training slices and transforms the batch in memory, on the device) and the solver's update. A
deploy net (an Input layer, Caffe's deploy file) is timed on random inputs of its Input's shape.
"""

import statistics
import time
from dataclasses import dataclass

import numpy as np

from pyrpudl.backend import get_backend
from pyrpudl.errors import InputError
from pyrpudl.net.deploy import deploy_io, with_batch
from pyrpudl.net.net import Net


@dataclass(frozen=True)
class LayerTime:
    name: str
    type: str
    forward_ms: float
    backward_ms: float | None  # None: the net skips its backward pass (nothing to learn or pass down)


@dataclass(frozen=True)
class NetTiming:
    layers: list[LayerTime]
    iterations: int
    batch: int
    device: str
    passes_ms: list[tuple[float, float]]  # each timed iteration's forward and backward totals
    net: str = ""  # the net's name in its prototxt

    @property
    def forward_ms(self) -> float:
        return statistics.median(f for f, _ in self.passes_ms)

    @property
    def backward_ms(self) -> float:
        return statistics.median(b for _, b in self.passes_ms)

    @property
    def total_ms(self) -> float:
        return statistics.median(f + b for f, b in self.passes_ms)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """The report as Caffe's ``caffe time`` prints it (medians where Caffe gives averages)."""
        width = max(len(layer.name) for layer in self.layers)
        net = f"{self.net}: " if self.net else ""
        out = [f"Timing {net}{self.iterations} iterations of batch {self.batch} on {self.device}.",
               "Median time per layer:"]  # fmt: skip
        for layer in self.layers:
            out.append(f"  {layer.name:>{width}}  forward: {layer.forward_ms:8.3f} ms.")
            backward = "not run" if layer.backward_ms is None else f"{layer.backward_ms:8.3f} ms."
            out.append(f"  {layer.name:>{width}} backward: {backward}")
        out += [f"Median Forward pass: {self.forward_ms:.3f} ms.",
                f"Median Backward pass: {self.backward_ms:.3f} ms.",
                f"Median Forward-Backward: {self.total_ms:.3f} ms.",
                f"Total Time: {sum(f + b for f, b in self.passes_ms):.1f} ms."]  # fmt: skip
        return out


class _LayerClock:
    """Net's per-layer hook: the time since the last mark, the device waited for."""

    def __init__(self, backend):
        self.backend = backend
        self.times: dict[tuple[object, str], list[float]] = {}  # by layer (names may repeat)
        self.last = 0.0

    def start(self) -> None:
        self.backend.synchronize()
        self.last = time.perf_counter()

    def mark(self, layer, which: str) -> None:
        self.backend.synchronize()
        now = time.perf_counter()
        self.times.setdefault((layer, which), []).append((now - self.last) * 1000)
        self.last = now


def time_model(model, batch: int | None = None, iterations: int = 50, device=None) -> NetTiming:
    """Each layer's forward and backward time in ``model``'s training net (see the module); for a
    deploy net (an Input layer), its forward pass on random inputs, as ``caffe time`` times a
    deploy file (nothing runs backward: the net has no loss)."""
    if iterations < 1:
        raise InputError(f"iterations must be at least 1 (got {iterations})")
    if batch is not None and batch < 1:
        raise InputError(f"the batch must hold at least one example (got {batch})")
    backend = get_backend(device)
    params = model.params.to(backend)
    if params is model.params:  # the model's own buffer on the CPU: keep its values as they are
        params = model.copy().params
    if model.deploy:
        io = deploy_io(model.spec)
        batch = batch or next(int(s.dim[0]) for layer in model.spec.layer if layer.type == "Input"
                              for s in layer.input_param.shape)  # fmt: skip
        net = Net(with_batch(model.spec, batch), "TRAIN", None, batch, params=params, seed=model.seed)
        rng = np.random.default_rng(0)
        inputs = {
            name: backend.to_device(rng.standard_normal((batch, *shape)).astype(np.float32))
            for name, shape in io.inputs
        }
    else:
        batch = min(batch or len(model.source.train_images), len(model.source.train_images))
        net = Net(model.spec, "TRAIN", model.transform("TRAIN").shape, batch, params=params, seed=model.seed,
                  label_shape=model.label_shape, side_shapes=model.side_shapes)  # fmt: skip
        inputs = _inputs(model, backend, batch)
    clock = _LayerClock(backend)
    passes = []
    for timed in [False] + [True] * iterations:
        net.timer = clock if timed else None  # the net starts the clock before each pass
        net.forward(inputs, train=True)
        net.backward()
        if timed:
            passes.append(_pass_totals(clock, net, len(passes)))
    net.timer = None
    layers = [
        LayerTime(
            layer.name, layer.spec.type, _median(clock, layer, "forward"), _median(clock, layer, "backward")
        )  # fmt: skip
        for layer in net.layers
    ]
    return NetTiming(layers, iterations, batch, backend.name, passes, model.spec.name)


def _inputs(model, backend, batch: int) -> dict:
    """The first ``batch`` training examples as the Data layer gives them, and their labels."""
    source, data = model.source, model.data_layer("TRAIN")
    images = source.train_images[:batch].reshape(batch, *source.shape)
    inputs = {data.top[0]: backend.to_device(model.transform("TRAIN").apply(images))}
    if len(data.top) > 1:
        if source.train_targets is not None:
            labels = source.train_targets[:batch].reshape(batch, *model.label_shape)
        else:
            labels = np.asarray(source.train_labels[:batch], np.int32)
        inputs[data.top[1]] = backend.to_device(labels)
    for name, rows in source.train_side.items():  # HDF5Data's further tops
        inputs[name] = backend.to_device(np.ascontiguousarray(rows[:batch]))
    return inputs


def _pass_totals(clock: _LayerClock, net: Net, index: int) -> tuple[float, float]:
    """The forward and backward totals of timed iteration ``index``."""

    def total(which):
        return sum(clock.times[layer, which][index] for layer in net.layers if (layer, which) in clock.times)

    return total("forward"), total("backward")


def _median(clock: _LayerClock, layer, which: str) -> float | None:
    values = clock.times.get((layer, which))
    return statistics.median(values) if values else None
