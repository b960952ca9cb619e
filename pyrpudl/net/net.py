"""A net of one phase: its layers in order, the blobs between them, forward and backward.

Blobs are named arrays. A layer may write its top under its bottom's name (in place, as Caffe's
ReLU often does); the net keeps each layer's own inputs and outputs for the backward pass, so
in-place layers need no special care. Parameters live in a shared :class:`ParamBuffer`, so a
TRAIN and a TEST net built on one buffer see the same weights. A net runs on its parameters'
backend: host arrays on the CPU, device arrays on CUDA.
"""

import contextlib

import numpy as np

from pyrpudl.backend import cpu_workers
from pyrpudl.errors import InputError
from pyrpudl.net.layers import LAYER_TYPES
from pyrpudl.net.param_buffer import ParamBuffer
from pyrpudl.net.shapes import SOURCE_TYPES, infer_shapes
from pyrpudl.net.state import PHASES, layers_for_phase
from pyrpudl.proto import rpudl_model_pb2 as pb


class Net:
    def __init__(
        self,
        spec: pb.NetParameter,
        phase: str,
        data_shape: tuple[int, ...] | None,
        batch: int,
        params: ParamBuffer | None = None,
        seed: int = 0,
        dtype=np.float32,
        label_shape: tuple[int, ...] = (),
        side_shapes: tuple[tuple[int, ...], ...] = (),
    ):
        self.phase = phase
        self.layer_specs = layers_for_phase(spec, phase)
        self.shapes = infer_shapes(self.layer_specs, data_shape, batch, label_shape, side_shapes)
        rng = np.random.default_rng(seed)
        self.params = (
            params if params is not None else ParamBuffer.build(self.layer_specs, self.shapes, rng, dtype)
        )
        self.sources = [s for s in self.layer_specs if s.type in SOURCE_TYPES]
        self.inputs = [top for s in self.sources for top in s.top]
        self.backend = self.params.backend
        self.layers = []
        needs_grad: set[str] = set()
        for layer_spec in self.layer_specs:
            if layer_spec.type in SOURCE_TYPES:
                continue
            count = len(self.shapes.params.get(layer_spec.name, []))
            if count and layer_spec.name not in self.params.slots:
                raise InputError(
                    f"layer {layer_spec.name!r} of the {phase} net has no parameters in the model"
                )
            views = [self.params.weights(layer_spec.name, i) for i in range(count)]
            grads = [self.params.gradient(layer_spec.name, i) for i in range(count)]
            bottom_shapes = [self.shapes.blobs[b] for b in layer_spec.bottom]
            layer = LAYER_TYPES[layer_spec.type](layer_spec, bottom_shapes, views, grads, self.backend)
            layer.propagate_down = [b in needs_grad for b in layer_spec.bottom]
            layer.param_propagate_down = [learned(layer_spec, i) for i in range(count)]
            layer.phase = PHASES[phase]
            if any(layer.param_propagate_down) or any(layer.propagate_down):
                needs_grad.update(layer_spec.top)
            self.layers.append(layer)
        self.loss_weights = self._loss_weights()
        self.records: list = []
        self.timer = None  # pyrpudl.timing's clock: marks each layer's passes when set
        self.seed = seed
        self.reseed(0)

    def reseed(self, iteration: int) -> None:
        """Random layers (Dropout) draw from (seed, layer, iteration): a resumed run repeats an
        uninterrupted one exactly, however training is split into calls."""
        for index, layer in enumerate(self.layers):
            if hasattr(layer, "keys"):
                layer.keys = (self.seed, index, iteration)

    def _loss_weights(self) -> dict[str, float]:
        return loss_weights(layer.spec for layer in self.layers)

    def forward(self, inputs: dict[str, np.ndarray], train: bool) -> dict[str, np.ndarray]:
        """Run every layer; ``inputs`` holds the sources' tops (data, label). Returns all blobs."""
        missing = [name for name in self.inputs if name not in inputs]
        if missing:
            raise InputError(f"the {self.phase} net needs inputs {', '.join(missing)}")
        blobs = dict(inputs)
        self.records = []
        timer = self.timer
        with self._blas_limit(train):
            if timer:
                timer.start()
            for layer in self.layers:
                bottoms = [blobs[name] for name in layer.spec.bottom]
                tops = layer.forward(bottoms, train)
                for name, value in zip(layer.spec.top, tops, strict=True):
                    blobs[name] = value
                self.records.append((layer, bottoms, tops))
                if timer:
                    timer.mark(layer, "forward")
        return blobs

    def loss(self, blobs: dict[str, np.ndarray]) -> float:
        """The weighted loss of a forward pass, read to the host (a sync on a GPU)."""
        return float(
            sum(
                weight * float(self.backend.to_host(blobs[name]).ravel()[0])
                for name, weight in self.loss_weights.items()
            )
        )

    def _blas_limit(self, train: bool):
        """One BLAS thread per call while the CPU's convolutions run on every core themselves:
        OpenBLAS's second thread, woken by any product between them, spins beside their threads.
        Inference always (the convolutions run direct or in chunks: cifar10_quick's forward pass
        98 -> 58 ms with the chunks); training when every convolution takes the direct path (all
        float32 layers with a unit column stride: their three passes make no BLAS call). The
        cifar10_quick step 142.5 -> 91.6 ms with NumPy 2.4.6's OpenBLAS; with NumPy 1.26's, which
        does not thread the small products left, within the drift (-8% to +5% over three runs)
        (benchmarks/convolution_paths.py, TBB layer, 2026-12-01; benchmarks/RESULTS.md)."""
        if self.backend.name != "cpu":
            return contextlib.nullcontext()
        if train:
            dtype = self.params.data.dtype
            convolutions = [layer for layer in self.layers if hasattr(layer, "direct")]
            if not convolutions or not all(layer.direct_whole_step(dtype) for layer in convolutions):
                return contextlib.nullcontext()
        return cpu_workers.single_threaded_blas()

    def backward(self) -> None:
        """Gradients of the weighted losses of the last forward pass, into ``params.diff``."""
        with self._blas_limit(train=True):
            self._backward()

    def _backward(self) -> None:
        ops, view = self.backend.ops, self.backend.view
        if self.params.diff.size:
            ops.fill(self.params.diff, 0.0)
        diffs: dict[str, np.ndarray] = {}
        for name, weight in self.loss_weights.items():
            diffs[name] = np.asarray(weight, dtype=self.params.data.dtype)
        timer = self.timer
        if timer:
            timer.start()
        for layer, bottoms, tops in reversed(self.records):
            top_diffs = [diffs.pop(name, None) for name in layer.spec.top]
            if all(d is None for d in top_diffs) or not (
                any(layer.param_propagate_down) or any(layer.propagate_down)
            ):
                continue
            top_diffs = [
                self.backend.zeros(t.shape, t.dtype) if d is None else d
                for d, t in zip(top_diffs, tops, strict=True)
            ]
            bottom_diffs = layer.backward(top_diffs, bottoms, tops)
            for name, diff, wanted in zip(layer.spec.bottom, bottom_diffs, layer.propagate_down, strict=True):
                if diff is None or not wanted:
                    continue
                if name in diffs:  # a blob read by several layers: its gradient is the sum
                    total = self.backend.empty(diff.shape, diff.dtype)
                    ops.add(
                        view(total, (total.size,)),
                        view(diffs[name], (total.size,)),
                        view(diff, (total.size,)),
                    )
                    diff = total
                diffs[name] = diff
            if timer:
                timer.mark(layer, "backward")
        self.params.add_shared_gradients()


def learned(spec, index: int) -> bool:
    """Whether parameter ``index`` of layer ``spec`` is learned: Caffe skips the gradients of a
    parameter with lr_mult 0, and the backward pass of a layer with nothing left to learn or pass
    down (a frozen layer over the data)."""
    return index >= len(spec.param) or spec.param[index].lr_mult != 0


def loss_weights(layers) -> dict[str, float]:
    """Top name -> weight in the objective of ``layers`` (specs): loss_weight if given, else 1 for
    the first top of *Loss layers (Caffe's)."""
    weights = {}
    for layer in layers:
        given = list(layer.loss_weight)
        for index, top in enumerate(layer.top):
            default = 1.0 if layer.type.endswith("Loss") and index == 0 else 0.0  # Caffe's: the first top
            weight = given[index] if index < len(given) else default
            if weight:
                weights[top] = weight
    return weights
