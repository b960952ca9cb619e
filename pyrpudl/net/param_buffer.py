"""All parameters of a net in one flat float32 buffer, with gradients and the solver's histories
(momentum; AdaDelta's and Adam's second history) in buffers of the same layout.

Each layer's weights and bias are views into the buffer. One kernel updates every parameter per
step, one copy saves a model, and (later) one all-reduce would average gradients across devices.
Per-element learning-rate and decay multipliers (from each layer's ``param {}`` blocks) let that
single update honour ``lr_mult`` and ``decay_mult``.

Caffe's weight sharing (``param { name: "w" }`` in several layers): the first layer to name a
parameter owns it; a later layer's weights view the owner's values, while its gradient goes to a
region of its own (layers write their gradients, they do not add them), which ``add_shared_gradients``
adds to the owner's after the backward pass. Those regions have lr_mult and decay_mult 0, so the
update leaves them alone, and they are left out of what is saved as the layer's own. In Caffe's
PERMISSIVE mode a sharing layer sees the owner's values in its own shape (as many of them).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from pyrpudl.backend import Backend, get_backend
from pyrpudl.errors import InputError
from pyrpudl.net.fillers import fill
from pyrpudl.net.shapes import RECURRENT_TYPES, NetShapes, recurrent_static_input
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
    "Embed": ("embed_param", "weight_filler", "bias_filler", None),
    "InnerProduct": ("inner_product_param", "weight_filler", "bias_filler", None),
    "PReLU": ("prelu_param", "filler", None, _CONSTANT_025),
    "Scale": ("scale_param", "filler", "bias_filler", _CONSTANT_1),
}


def _recurrent_roles(layer: pb.LayerParameter) -> tuple[int, ...]:
    """RNN's and LSTM's parameters, each a weight (0) or a bias (1), in Caffe's order: W_x, b,
    [W_static], W_h, and RNN's W_ho, b_o."""
    roles = (0, 1) + ((0,) if recurrent_static_input(layer) else ()) + (0,)
    return roles + ((0, 1) if layer.type == "RNN" else ())


def _filler(layer: pb.LayerParameter, index: int) -> pb.FillerParameter | None:
    """The filler of parameter ``index`` (0: weights, 1: bias) of ``layer``; None: constant 0."""
    if layer.type in RECURRENT_TYPES:  # one weight filler and one bias filler for all
        fillers, name = (
            layer.recurrent_param,
            ("weight_filler", "bias_filler")[_recurrent_roles(layer)[index]],
        )
        return getattr(fillers, name) if fillers.HasField(name) else None
    if layer.type not in FILLERS or index > 1:
        return None
    message, weight, bias, default = FILLERS[layer.type]
    if layer.type == "Scale" and len(layer.bottom) == 2:  # the factors are a bottom: the bias comes first
        index = 1
    fillers, name = getattr(layer, message), (weight, bias)[index]
    if name and fillers.HasField(name):
        return getattr(fillers, name)
    return default if index == 0 else None


def _first_values(layer: pb.LayerParameter, index: int, shape, shapes: NetShapes, rng) -> np.ndarray:
    """Parameter ``index``'s first values: its filler's, or for a Python layer what its setup wrote."""
    if layer.type == "Python":
        from pyrpudl.net.python_code import probe

        return probe(layer, [shapes.blobs[b] for b in layer.bottom]).blob_values[index]
    return fill(_filler(layer, index), shape, rng)


def _check_sharing(layer, index, name, shape, owner_shape, owner_layer) -> None:
    """Caffe's rules for a shared parameter: in STRICT mode (the default) the owner's shape; in
    PERMISSIVE mode (the sharing layer's ``share_mode``) as many values, in a shape of its own."""
    permissive = layer.param[index].share_mode == pb.ParamSpec.PERMISSIVE
    if tuple(shape) == tuple(owner_shape) or (permissive and math.prod(shape) == math.prod(owner_shape)):
        return
    where = f"layer {layer.name!r} shares parameter {name!r} with layer {owner_layer!r}, but its shape"
    if permissive:
        raise InputError(
            f"{where} {list(shape)} holds {math.prod(shape)} values and the owner's {list(owner_shape)} "
            f"{math.prod(owner_shape)}; share_mode PERMISSIVE needs as many values"
        )
    raise InputError(
        f"{where} {list(shape)} differs from {list(owner_shape)}; shared parameters must have the same "
        "shape (or, with share_mode: PERMISSIVE, as many values)"
    )


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
    # a sharing layer's parameter (layer, index) -> the offset of its own gradient region (its
    # slot holds the owner's offset)
    gradient_offsets: dict[tuple[str, int], int] = field(default_factory=dict)

    ARRAYS = ("data", "diff", "history", "history2", "lr_mult", "decay_mult")
    STATE = ("data", "history", "history2")  # what training changes and a saved model keeps

    def to(self, backend: Backend) -> "ParamBuffer":
        """A copy of this buffer on ``backend`` (itself when it is there already)."""
        if backend is self.backend:
            return self
        arrays = [backend.to_device(self.backend.to_host(getattr(self, name))) for name in self.ARRAYS]
        return ParamBuffer(*arrays, slots=self.slots, backend=backend, gradient_offsets=self.gradient_offsets)

    def owned_slots(self) -> list[tuple[int, tuple[int, ...]]]:
        """Every learnable parameter once, in net order: a shared one at its owner (Caffe's
        learnable_params, the order of a solverstate's histories)."""
        seen, owned = set(), []
        for slots in self.slots.values():
            for offset, shape in slots:
                if offset not in seen:
                    seen.add(offset)
                    owned.append((offset, shape))
        return owned

    @property
    def learnable_count(self) -> int:
        """The number of parameter values, each shared one once."""
        return sum(math.prod(shape) for _, shape in self.owned_slots())

    def add_shared_gradients(self) -> None:
        """Add each sharing layer's gradient to its owner's (after a backward pass)."""
        view, add = self.backend.view, self.backend.ops.add
        for (layer, index), own in self.gradient_offsets.items():
            owner, shape = self.slots[layer][index]
            count = math.prod(shape)
            target = view(self.diff[owner : owner + count], (count,))
            add(target, target, view(self.diff[own : own + count], (count,)))

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
        owners: dict[str, tuple[int, tuple[int, ...], str]] = {}  # param name -> (offset, shape, layer)
        for layer in layers:
            param_shapes = shapes.params.get(layer.name, [])
            buffer.slots[layer.name] = []
            for index, shape in enumerate(param_shapes):
                count = math.prod(shape)
                part = slice(offset, offset + count)
                name = layer.param[index].name if index < len(layer.param) else ""
                if name in owners:
                    owner, owner_shape, owner_layer = owners[name]
                    _check_sharing(layer, index, name, shape, owner_shape, owner_layer)
                    buffer.lr_mult[part] = buffer.decay_mult[part] = 0  # a gradient region only
                    buffer.slots[layer.name].append((owner, tuple(shape)))  # PERMISSIVE: its own shape
                    buffer.gradient_offsets[(layer.name, index)] = offset
                    offset += count
                    continue
                if name:
                    owners[name] = (offset, shape, layer.name)
                buffer.data[part] = _first_values(layer, index, shape, shapes, rng).ravel()
                if layer.type == "BatchNorm":  # statistics, not learned (Caffe forces lr_mult 0)
                    buffer.lr_mult[part] = buffer.decay_mult[part] = 0
                elif index < len(layer.param):
                    buffer.lr_mult[part] = layer.param[index].lr_mult
                    buffer.decay_mult[part] = layer.param[index].decay_mult
                buffer.slots[layer.name].append((offset, shape))
                offset += count
        return buffer

    def _view(self, array: np.ndarray, layer: str, index: int, offset: int | None = None) -> np.ndarray:
        start, shape = self.slots[layer][index]
        start = start if offset is None else offset
        return self.backend.view(array[start : start + math.prod(shape)], shape)

    def weights(self, layer: str, index: int = 0) -> np.ndarray:
        """Parameter ``index`` (0 = weights, 1 = bias) of ``layer``: a view, not a copy."""
        return self._view(self.data, layer, index)

    def gradient(self, layer: str, index: int = 0) -> np.ndarray:
        """Where ``layer`` writes parameter ``index``'s gradient (its own region when shared)."""
        return self._view(self.diff, layer, index, self.gradient_offsets.get((layer, index)))

    def sgd_step(self, rate: float, momentum: float, weight_decay: float, l1: bool = False) -> None:
        """Caffe's SGD update of every parameter, in one kernel launch."""
        cast = self.data.dtype.type
        self.backend.ops.sgd_update(self.data, self.history, self.diff, self.lr_mult, self.decay_mult,
                                    cast(rate), cast(momentum), cast(weight_decay), l1)  # fmt: skip
