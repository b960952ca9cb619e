"""CUDA twins of ``kernels/cpu/transform.py``: the input transform, and the batch sliced on the device."""

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _transform_u8(out, pixels, mean, scale):
    batch, size = out.shape
    for k in range(cuda.grid(1), batch * size, cuda.gridsize(1)):
        b, i = k // size, k % size
        out[b, i] = (np.float32(pixels[b, i]) - mean[i]) * scale


@cuda.jit(cache=True)
def _transform_batch(out, labels_out, dataset, labels, index, mean, scale):
    batch, size = out.shape
    for k in range(cuda.grid(1), batch * size, cuda.gridsize(1)):
        b, i = k // size, k % size
        row = index[b]
        out[b, i] = (np.float32(dataset[row, i]) - mean[i]) * scale
        if i == 0:
            labels_out[b] = labels[row]


@cuda.jit(cache=True)
def _transform_crop_batch(out, labels_out, dataset, labels, index, offsets, state, mean, scale, channels,
                          height, width, crop_h, crop_w):  # fmt: skip
    batch, size = out.shape
    start = state[0] * batch
    area = crop_h * crop_w
    for k in range(cuda.grid(1), batch * size, cuda.gridsize(1)):
        b, i = k // size, k % size
        c, within = i // area, i % area
        h, w = within // crop_w, within % crop_w
        example = start + b
        row = index[example]
        column = crop_w - 1 - w if offsets[example, 2] else w
        source = (c * height + offsets[example, 0] + h) * width + offsets[example, 1] + column
        out[b, i] = (np.float32(dataset[row, source]) - mean[source]) * scale
        if i == 0:
            labels_out[b] = labels[row]


@cuda.jit(cache=True)
def _gather_rows(out, table, index):
    batch, size = out.shape
    for k in range(cuda.grid(1), batch * size, cuda.gridsize(1)):
        b, i = k // size, k % size
        out[b, i] = table[index[b], i]


def gather_rows(out, table, index):
    _gather_rows[_blocks(out.size), THREADS](out, table, index)


def transform_u8(out, pixels, mean, scale):
    _transform_u8[_blocks(out.size), THREADS](out, pixels, mean, np.float32(scale))


def transform_batch(out, labels_out, dataset, labels, index, mean, scale):
    _transform_batch[_blocks(out.size), THREADS](
        out, labels_out, dataset, labels, index, mean, np.float32(scale)
    )


def transform_crop_batch(out, labels_out, dataset, labels, index, offsets, state, mean, scale, channels,
                         height, width, crop_h, crop_w):  # fmt: skip
    _transform_crop_batch[_blocks(out.size), THREADS](
        out, labels_out, dataset, labels, index, offsets, state, mean, np.float32(scale), channels, height,
        width, crop_h, crop_w,
    )  # fmt: skip
