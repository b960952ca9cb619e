"""Caffe's layer types, one per file; importing this package registers them all."""

from pyrpudl.net.layers import (  # noqa: F401
    activations,
    batch_norm,
    batch_reindex,
    classifier_losses,
    convolution,
    deconvolution,
    dropout,
    embed,
    im2col,
    inner_product,
    losses,
    lrn,
    neurons,
    parameter,
    pooling,
    python_layer,
    recurrent,
    reduction,
    shape_ops,
    softmax_loss,
    spp,
)
from pyrpudl.net.layers.base import LAYER_TYPES, Layer, register

__all__ = ["LAYER_TYPES", "Layer", "register"]
