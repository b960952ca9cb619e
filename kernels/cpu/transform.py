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


@numba.njit(parallel=True, cache=True)
def transform_crop_batch(out, labels_out, dataset, labels, index, offsets, state, mean, scale, channels,
                         height, width, crop_h, crop_w):  # fmt: skip
    """The training batch with Caffe's augmentation: a ``crop_h`` x ``crop_w`` window of each image, at
    that example's offsets, mirrored left to right where its flag says, minus the mean under it.

    The step's examples are rows ``slot * batch ...`` of ``index`` and ``offsets`` (slot = ``state[0]``),
    so one recorded step serves a whole chunk. out: float32 (batch, channels * crop_h * crop_w);
    dataset: uint8 (n, channels * height * width); index: int32 (chunk,); offsets: int32 (chunk, 3)
    = (top, left, mirror); mean: float32 (channels * height * width,), the full-size mean image.
    """
    batch = out.shape[0]
    start = state[0] * batch
    for b in numba.prange(batch):
        k = start + b
        row = index[k]
        labels_out[b] = labels[row]
        top, left, flip = offsets[k, 0], offsets[k, 1], offsets[k, 2]
        for c in range(channels):
            for h in range(crop_h):
                source = (c * height + top + h) * width + left
                target = (c * crop_h + h) * crop_w
                for w in range(crop_w):
                    column = crop_w - 1 - w if flip else w
                    out[b, target + column] = (
                        np.float32(dataset[row, source + w]) - mean[source + w]
                    ) * scale


@numba.njit(parallel=True, cache=True)
def gather_rows(out, table, index):
    """``out[b] = table[index[b]]``: the batch's rows of targets or label maps (HDF5 data).

    out, table: (batch, size), (n, size), both float32 (targets) or int32 (label maps); index:
    int32 (batch,).
    """
    batch, size = out.shape
    for b in numba.prange(batch):
        row = index[b]
        for i in range(size):
            out[b, i] = table[row, i]
