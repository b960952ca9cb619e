"""Caffe's layer types, one per file; importing this package registers them all."""

from pyrpudl.net.layers import (  # noqa: F401
    activations,
    batch_norm,
    classifier_losses,
    convolution,
    deconvolution,
    dropout,
    embed,
    inner_product,
    losses,
    lrn,
    neurons,
    pooling,
    recurrent,
    reduction,
    shape_ops,
    softmax_loss,
)
from pyrpudl.net.layers.base import LAYER_TYPES, Layer, register

__all__ = ["LAYER_TYPES", "Layer", "register"]
