"""Caffe's layer types, one per file; importing this package registers them all."""

from pyrpudl.net.layers import activations, convolution, inner_product, pooling, softmax_loss  # noqa: F401
from pyrpudl.net.layers.base import LAYER_TYPES, Layer, register

__all__ = ["LAYER_TYPES", "Layer", "register"]
