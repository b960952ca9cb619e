"""The contract of a layer (Caffe's): built from its spec and bottom shapes, then forward/backward.

A layer owns no parameter memory: ``params`` and ``grads`` are views into the net's flat
buffers. ``forward`` returns the tops; ``backward`` takes the tops' gradients, writes the
parameters' gradients into ``grads``, and returns the bottoms' gradients (None where a bottom,
such as a label, takes none). Layers call ops (``self.ops``, kernels/OPS.md) on their backend's
arrays; they never import Numba themselves, so one layer runs on the CPU and on CUDA.

A layer keeps its output and gradient buffers between calls (allocation on a GPU costs more than
a small kernel): the arrays that ``forward`` and ``backward`` return are valid until the next call.
"""

from typing import ClassVar

import numpy as np

from pyrpudl.backend import Backend, get_backend
from pyrpudl.net.shapes import SHAPE_RULES, Shape
from pyrpudl.proto import rpudl_model_pb2 as pb

LAYER_TYPES: dict[str, type["Layer"]] = {}


def register(cls: type["Layer"]) -> type["Layer"]:
    """Class decorator: make ``cls`` the implementation of its ``type_name``."""
    LAYER_TYPES[cls.type_name] = cls
    return cls


class Layer:
    type_name: ClassVar[str] = ""
    phase: int = pb.TRAIN  # the net's phase, set by the net (BatchNorm's statistics depend on it)
    replayable: ClassVar[bool] = True  # whether its passes may be recorded as a CUDA graph (device work only)

    def __init__(
        self,
        spec: pb.LayerParameter,
        bottom_shapes: list[Shape],
        params: list[np.ndarray] = (),
        grads: list[np.ndarray] = (),
        backend: Backend | str = "cpu",
    ):
        self.spec = spec
        self.name = spec.name
        self.bottom_shapes = bottom_shapes
        self.top_shapes, _ = SHAPE_RULES[self.type_name](spec, bottom_shapes)
        self.params, self.grads = list(params), list(grads)
        # whether each bottom needs its gradient (the net turns it off for data and labels)
        self.propagate_down = [True] * len(bottom_shapes)
        # whether each parameter needs its gradient: not with lr_mult 0 (Caffe's frozen layers)
        self.param_propagate_down = [True] * len(self.params)
        self.backend = get_backend(backend)
        self.ops = self.backend.ops
        self._buffers: dict[str, object] = {}

    def buffer(self, key: str, shape, dtype=np.float32):
        """This layer's array ``key`` of ``shape``, allocated once and reused while the shape holds."""
        shape = tuple(int(s) for s in shape)
        current = self._buffers.get(key)
        if current is None or tuple(current.shape) != shape or current.dtype != dtype:
            current = self._buffers[key] = self.backend.empty(shape, dtype)
        return current

    def ones(self, shape, dtype=np.float32):
        """This layer's array of ones of ``shape`` (see :meth:`filled`)."""
        return self.filled("ones", shape, dtype, 1.0)

    def filled(self, key: str, shape, dtype, value: float):
        """This layer's array ``key`` of ``shape``, filled with ``value`` when allocated only (so a
        step replayed as a CUDA graph, captured after the first, does not fill it again; a
        recurrent layer's state, which later passes overwrite, starts at 0 this way)."""
        before = self._buffers.get(key)
        array = self.buffer(key, shape, dtype)
        if array is not before:
            self.ops.fill(self.flat(array), value)
        return array

    def flat(self, array):
        """``array`` as one dimension (a view)."""
        return self.backend.view(array, (array.size,))

    def forward(self, bottoms: list[np.ndarray], train: bool) -> list[np.ndarray]:
        raise NotImplementedError

    def backward(
        self, top_diffs: list[np.ndarray], bottoms: list[np.ndarray], tops: list[np.ndarray]
    ) -> list[np.ndarray | None]:
        raise NotImplementedError
