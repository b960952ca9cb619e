"""CUDA twins of ``kernels/cpu/im2col.py`` (the batched "wide" layout; see the CPU file).

im2col: one thread per (channel, column), as Caffe's im2col_gpu: it copies that column's kh * kw
entries, so the index arithmetic is paid once per kh * kw elements and neighbouring threads write
neighbouring columns. col2im is a gather: one thread per image pixel sums the col entries copied
from it, in the CPU twin's order (kernel row i, then column j), so both give the same sums.
"""

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks


@cuda.jit(cache=True)
def _im2col(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    n_images, channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    positions = oh * ow
    columns = n_images * positions
    for k in range(cuda.grid(1), channels * columns, cuda.gridsize(1)):
        c = k // columns
        column = k - c * columns
        n = column // positions
        p = column - n * positions
        oy = p // ow
        y0 = oy * sh - ph
        x0 = (p - oy * ow) * sw - pw
        row = c * kh * kw
        for i in range(kh):
            y = y0 + i * dh
            inside = y >= 0 and y < height
            for j in range(kw):
                x = x0 + j * dw
                if inside and x >= 0 and x < width:
                    col[row, column] = image[n, c, y, x]
                else:
                    col[row, column] = np.float32(0.0)
                row += 1


@cuda.jit(cache=True)
def _col2im(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    n_images, channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    positions = oh * ow
    area = height * width
    for k in range(cuda.grid(1), image.size, cuda.gridsize(1)):
        nc = k // area
        pixel = k - nc * area
        n = nc // channels
        c = nc - n * channels
        y = pixel // width
        x = pixel - y * width
        base = n * positions
        total = np.float32(0.0)
        for i in range(kh):
            ty = y + ph - i * dh  # = oy * sh for the window row that reads (y, x) through i
            if ty < 0 or ty % sh != 0 or ty // sh >= oh:
                continue
            at = base + (ty // sh) * ow
            row = (c * kh + i) * kw
            for j in range(kw):
                tx = x + pw - j * dw
                if tx >= 0 and tx % sw == 0 and tx // sw < ow:
                    total += col[row + j, at + tx // sw]
        image[n, c, y, x] = total


def im2col(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """col (C*kh*kw, N*oh*ow); image (N, C, H, W)."""
    _im2col[_blocks(col.shape[1] * image.shape[1]), THREADS](
        col, image, np.int32(kh), np.int32(kw), np.int32(ph), np.int32(pw), np.int32(sh), np.int32(sw),
        np.int32(dh), np.int32(dw),
    )  # fmt: skip


def col2im(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    """image (N, C, H, W) = the sum of col's entries over the positions they were copied from."""
    _col2im[_blocks(image.size), THREADS](
        image, col, np.int32(kh), np.int32(kw), np.int32(ph), np.int32(pw), np.int32(sh), np.int32(sw),
        np.int32(dh), np.int32(dw),
    )  # fmt: skip
