"""Slow, readable NumPy oracles that the fast kernels are tested against."""

import numpy as np


def transform_u8(pixels: np.ndarray, mean: np.ndarray, scale: float) -> np.ndarray:
    """Caffe's data transform: ``(pixel - mean) * scale`` in float32."""
    return ((pixels.astype(np.float32) - mean.astype(np.float32)) * np.float32(scale)).astype(np.float32)
