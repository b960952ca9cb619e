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


def transform_u8(out, pixels, mean, scale):
    _transform_u8[_blocks(out.size), THREADS](out, pixels, mean, np.float32(scale))


def transform_batch(out, labels_out, dataset, labels, index, mean, scale):
    _transform_batch[_blocks(out.size), THREADS](
        out, labels_out, dataset, labels, index, mean, np.float32(scale)
    )
