"""All parameters of a net in one flat float32 buffer, with gradients and the solver's histories
(momentum; AdaDelta's and Adam's second history) in buffers of the same layout.

Each layer's weights and bias are views into the buffer. One kernel updates every parameter per
step, one copy saves a model, and (later) one all-reduce would average gradients across devices.
Per-element learning-rate and decay multipliers (from each layer's ``param {}`` blocks) let that
single update honour ``lr_mult`` and ``decay_mult``.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from pyrpudl.backend import Backend, get_backend
from pyrpudl.net.fillers import fill
from pyrpudl.net.shapes import NetShapes
from pyrpudl.proto import rpudl_model_pb2 as pb

_CONSTANT_1 = pb.FillerParameter(type="constant", value=1)
_CONSTANT_025 = pb.FillerParameter(type="constant", value=0.25)

# Layer type -> the message holding its fillers, the fields of its weight and bias fillers (None:
# no such parameter), and Caffe's filler for its weights when none is given (None: constant 0).
# BatchNorm's statistics have no fillers: they start at 0.
FILLERS = {
    "Bias": ("bias_param", "filler", None, None),
    "Convolution": ("convolution_param", "weight_filler", "bias_filler", None),
    "Deconvolution": ("convolution_param", "weight_filler", "bias_filler", None),
    "InnerProduct": ("inner_product_param", "weight_filler", "bias_filler", None),
    "PReLU": ("prelu_param", "filler", None, _CONSTANT_025),
    "Scale": ("scale_param", "filler", "bias_filler", _CONSTANT_1),
}


def _filler(layer: pb.LayerParameter, index: int) -> pb.FillerParameter | None:
    """The filler of parameter ``index`` (0: weights, 1: bias) of ``layer``; None: constant 0."""
    if layer.type not in FILLERS or index > 1:
        return None
    message, weight, bias, default = FILLERS[layer.type]
    fillers, name = getattr(layer, message), (weight, bias)[index]
    if name and fillers.HasField(name):
        return getattr(fillers, name)
    return default if index == 0 else None


@dataclass
class ParamBuffer:
    data: np.ndarray
    diff: np.ndarray
    history: np.ndarray
    history2: np.ndarray  # the second history of AdaDelta and Adam (zeros for the other solvers)
    lr_mult: np.ndarray
    decay_mult: np.ndarray
    # layer name -> [(offset, shape)] for weights, then bias
    slots: dict[str, list[tuple[int, tuple[int, ...]]]] = field(default_factory=dict)
    backend: Backend = field(default_factory=lambda: get_backend("cpu"))

    ARRAYS = ("data", "diff", "history", "history2", "lr_mult", "decay_mult")
    STATE = ("data", "history", "history2")  # what training changes and a saved model keeps

    def to(self, backend: Backend) -> "ParamBuffer":
        """A copy of this buffer on ``backend`` (itself when it is there already)."""
        if backend is self.backend:
            return self
        arrays = [backend.to_device(self.backend.to_host(getattr(self, name))) for name in self.ARRAYS]
        return ParamBuffer(*arrays, slots=self.slots, backend=backend)

    def load(self, other: "ParamBuffer", names=STATE) -> None:
        """Take the values ``names`` from ``other`` (same layout, any backend) into this buffer."""
        for name in names:
            source = getattr(other, name)
            if other.backend is self.backend:
                self.backend.copy(getattr(self, name), source)
            else:
                self.backend.copy_from_host(getattr(self, name), other.backend.to_host(source))

    @classmethod
    def build(
        cls,
        layers: list[pb.LayerParameter],
        shapes: NetShapes,
        rng: np.random.Generator,
        dtype=np.float32,
    ) -> "ParamBuffer":
        """Allocate and fill the parameters of ``layers`` (shapes from :func:`infer_shapes`).

        ``dtype`` is float32 for training; float64 serves gradient checks.
        """
        size = shapes.parameter_count
        buffer = cls(*(np.zeros(size, dtype=dtype) for _ in range(4)),
                     np.ones(size, dtype=dtype), np.ones(size, dtype=dtype))  # fmt: skip
        offset = 0
        for layer in layers:
            param_shapes = shapes.params.get(layer.name, [])
            buffer.slots[layer.name] = []
            for index, shape in enumerate(param_shapes):
                count = math.prod(shape)
                part = slice(offset, offset + count)
                buffer.data[part] = fill(_filler(layer, index), shape, rng).ravel()
                if layer.type == "BatchNorm":  # statistics, not learned (Caffe forces lr_mult 0)
                    buffer.lr_mult[part] = buffer.decay_mult[part] = 0
                elif index < len(layer.param):
                    buffer.lr_mult[part] = layer.param[index].lr_mult
                    buffer.decay_mult[part] = layer.param[index].decay_mult
                buffer.slots[layer.name].append((offset, shape))
                offset += count
        return buffer

    def _view(self, array: np.ndarray, layer: str, index: int) -> np.ndarray:
        offset, shape = self.slots[layer][index]
        return self.backend.view(array[offset : offset + math.prod(shape)], shape)

    def weights(self, layer: str, index: int = 0) -> np.ndarray:
        """Parameter ``index`` (0 = weights, 1 = bias) of ``layer``: a view, not a copy."""
        return self._view(self.data, layer, index)

    def gradient(self, layer: str, index: int = 0) -> np.ndarray:
        return self._view(self.diff, layer, index)

    def sgd_step(self, rate: float, momentum: float, weight_decay: float, l1: bool = False) -> None:
        """Caffe's SGD update of every parameter, in one kernel launch."""
        cast = self.data.dtype.type
        self.backend.ops.sgd_update(self.data, self.history, self.diff, self.lr_mult, self.decay_mult,
                                    cast(rate), cast(momentum), cast(weight_decay), l1)  # fmt: skip
