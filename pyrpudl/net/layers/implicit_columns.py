"""The column matrix of a convolution as two small tables instead of a large matrix.

im2col's matrix col (rows r = (c, i, j): channel x kernel position; columns p = (n, oy, ox): image x
output position) holds col[r, p] = image[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw], 0 outside.
Each entry's flat index in the image splits into a part of its row and a part of its column:

    rows[r]    = (c·H·W + i·dh·W + j·dw,  i·dh,  j·dw)
    columns[p] = (n·C·H·W + y0·W + x0,    y0,    x0)     with y0 = oy·sh − ph, x0 = ox·sw − pw

so col[r, p] = image.flat[rows[r, 0] + columns[p, 0]] when 0 <= rows[r, 1] + columns[p, 1] < H and
0 <= rows[r, 2] + columns[p, 2] < W, else 0. The ``conv_gemm`` op (kernels/OPS.md) multiplies by
that matrix reading the image through the tables: on a GPU the matrix is never written (for
cifar10_quick at batch 100, 133 MB a step written and read twice), its entries gathered from the
image (3.3 MB for conv2's input, which stays in L2) as the product's tiles load them.
A group's rows are a slice of ``rows`` (its channels' offsets are in the table). The input
gradient still goes through a written matrix (col2im of W^T @ diff).
"""

import os

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.net.shapes import Window, conv_output_size

SETTING = "PYRPUDL_CONV_COLUMNS"


def wanted() -> bool:
    """Whether GPU convolutions gather their columns (``PYRPUDL_CONV_COLUMNS=implicit``) rather than
    write them with im2col (``explicit``, the default until a GPU has timed both:
    benchmarks/convnet_gpu.py trains cifar10_quick each way)."""
    value = os.environ.get(SETTING, "explicit").strip().lower() or "explicit"
    if value not in ("explicit", "implicit"):
        raise InputError(f"{SETTING} is {value!r}: set it to 'explicit' (im2col) or 'implicit' (gathered)")
    return value == "implicit"


def output_size(window: Window, height: int, width: int) -> tuple[int, int]:
    w = window
    return conv_output_size(height, w.kh, w.ph, w.sh, w.dh), conv_output_size(width, w.kw, w.pw, w.sw, w.dw)


def row_table(window: Window, channels: int, height: int, width: int) -> np.ndarray:
    """rows (C·kh·kw, 3) int32: (offset, dy, dx) of each column-matrix row."""
    w = window
    c, i, j = np.meshgrid(np.arange(channels), np.arange(w.kh), np.arange(w.kw), indexing="ij")
    dy, dx = i * w.dh, j * w.dw
    offset = c * height * width + dy * width + dx
    return np.stack([offset, dy, dx], axis=-1).reshape(-1, 3).astype(np.int32)


def column_table(window: Window, images: int, channels: int, height: int, width: int) -> np.ndarray:
    """columns (N·oh·ow, 3) int32: (offset, y0, x0) of each column-matrix column."""
    if images * channels * height * width >= 2**31:
        raise ValueError("an image batch of 2^31 values or more does not fit the int32 tables")
    w = window
    oh, ow = output_size(window, height, width)
    n, oy, ox = np.meshgrid(np.arange(images), np.arange(oh), np.arange(ow), indexing="ij")
    y0, x0 = oy * w.sh - w.ph, ox * w.sw - w.pw
    offset = n * channels * height * width + y0 * width + x0
    return np.stack([offset, y0, x0], axis=-1).reshape(-1, 3).astype(np.int32)
