"""Nets described in Caffe's prototxt format: parsing (V1 and V2), phases, and shapes."""

from pyrpudl.net.prototxt import PrototxtError, parse_net, parse_solver
from pyrpudl.net.shapes import NetShapes, infer_shapes
from pyrpudl.net.state import layers_for_phase

__all__ = ["NetShapes", "PrototxtError", "infer_shapes", "layers_for_phase", "parse_net", "parse_solver"]
