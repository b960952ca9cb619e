"""The contract of a layer (Caffe's): built from its spec and bottom shapes, then forward/backward.

A layer owns no parameter memory: ``params`` and ``grads`` are views into the net's flat
buffers. ``forward`` returns the tops; ``backward`` takes the tops' gradients, writes the
parameters' gradients into ``grads``, and returns the bottoms' gradients (None where a bottom,
such as a label, takes none). Layers call kernels; they never import Numba themselves.
"""

from typing import ClassVar

import numpy as np

from pyrpudl.net.shapes import SHAPE_RULES, Shape
from pyrpudl.proto import rpudl_model_pb2 as pb

LAYER_TYPES: dict[str, type["Layer"]] = {}


def register(cls: type["Layer"]) -> type["Layer"]:
    """Class decorator: make ``cls`` the implementation of its ``type_name``."""
    LAYER_TYPES[cls.type_name] = cls
    return cls


class Layer:
    type_name: ClassVar[str] = ""

    def __init__(
        self,
        spec: pb.LayerParameter,
        bottom_shapes: list[Shape],
        params: list[np.ndarray] = (),
        grads: list[np.ndarray] = (),
    ):
        self.spec = spec
        self.name = spec.name
        self.bottom_shapes = bottom_shapes
        self.top_shapes, _ = SHAPE_RULES[self.type_name](spec, bottom_shapes)
        self.params, self.grads = list(params), list(grads)
        # whether each bottom needs its gradient (the net turns it off for data and labels)
        self.propagate_down = [True] * len(bottom_shapes)

    def forward(self, bottoms: list[np.ndarray], train: bool) -> list[np.ndarray]:
        raise NotImplementedError

    def backward(
        self, top_diffs: list[np.ndarray], bottoms: list[np.ndarray], tops: list[np.ndarray]
    ) -> list[np.ndarray | None]:
        raise NotImplementedError
