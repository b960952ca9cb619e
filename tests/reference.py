"""Slow, readable NumPy oracles that the fast kernels are tested against."""

import numpy as np


def transform_u8(pixels: np.ndarray, mean: np.ndarray, scale: float) -> np.ndarray:
    """Caffe's data transform: ``(pixel - mean) * scale`` in float32."""
    return ((pixels.astype(np.float32) - mean.astype(np.float32)) * np.float32(scale)).astype(np.float32)


def sgd_update(data, history, diff, lr_mult, decay_mult, rate, momentum, weight_decay, l1=False):
    """Caffe's SGDSolver step (Regularize, ComputeUpdateValue, Update), returning new (data, history)."""
    regular = np.sign(data) if l1 else data
    gradient = diff + weight_decay * decay_mult * regular
    history = momentum * history + rate * lr_mult * gradient
    return data - history, history
