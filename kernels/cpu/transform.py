"""The input transform: uint8 pixels to float32, minus the mean image, times a scale (Caffe's)."""

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def transform_u8(out, pixels, mean, scale):
    """``out[n, i] = (pixels[n, i] - mean[i]) * scale`` for a batch of flattened images.

    out: float32 (batch, size); pixels: uint8 (batch, size); mean: float32 (size,).
    """
    batch, size = pixels.shape
    for n in numba.prange(batch):
        for i in range(size):
            out[n, i] = (np.float32(pixels[n, i]) - mean[i]) * scale


@numba.njit(parallel=True, cache=True)
def transform_batch(out, labels_out, dataset, labels, index, mean, scale):
    """The training batch: rows ``index`` of ``dataset`` transformed, and their labels.

    out: float32 (batch, size); labels_out: int32 (batch,); dataset: uint8 (n, size);
    labels: int32 (n,); index: int32 (batch,); mean: float32 (size,).
    """
    batch, size = out.shape
    for b in numba.prange(batch):
        row = index[b]
        labels_out[b] = labels[row]
        for i in range(size):
            out[b, i] = (np.float32(dataset[row, i]) - mean[i]) * scale
