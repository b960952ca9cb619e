"""im2col / col2im: CUDA against the CPU twin, the CPU twin against a NumPy oracle (padding, stride,
dilation, rectangular kernels)."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import im2col as cpu
from pyrpudl.kernels.cuda import im2col as gpu
from tests.cuda.conftest import assert_close, poisoned

# (N, C, H, W), (kh, kw, ph, pw, sh, sw, dh, dw)
CASES = [
    ((2, 2, 5, 5), (3, 3, 0, 0, 1, 1, 1, 1)),
    ((1, 2, 6, 5), (3, 2, 1, 2, 2, 1, 1, 1)),  # padding, stride, rectangular kernel
    ((1, 2, 7, 6), (3, 3, 2, 1, 1, 2, 2, 2)),  # dilation
    ((2, 1, 5, 4), (2, 2, 1, 1, 3, 3, 1, 1)),  # stride wider than the kernel: pixels no column reads
    ((2, 3, 3, 3), (1, 1, 0, 0, 1, 1, 1, 1)),
]
IDS = ["plain", "pad-stride", "dilation", "sparse", "1x1"]


def out_size(size, kernel, pad, stride, dilation):
    return (size + 2 * pad - (dilation * (kernel - 1) + 1)) // stride + 1


def indices(shape, window):
    """The padded-image coordinates that col[(c, i, j), (n, oy, ox)] reads, as broadcastable arrays."""
    _, _, height, width = shape
    kh, kw, ph, pw, sh, sw, dh, dw = window
    oh, ow = out_size(height, kh, ph, sh, dh), out_size(width, kw, pw, sw, dw)
    i, j = np.arange(kh)[:, None, None, None], np.arange(kw)[None, :, None, None]
    oy, ox = np.arange(oh)[None, None, :, None], np.arange(ow)[None, None, None, :]
    return oy * sh + i * dh + 0 * j, ox * sw + j * dw + 0 * i, oh, ow


def reference_im2col(image, window):
    n, c, height, width = image.shape
    kh, kw, ph, pw = window[:4]
    ys, xs, oh, ow = indices(image.shape, window)
    padded = np.pad(image, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = padded[:, :, ys, xs]  # (N, C, kh, kw, oh, ow)
    return patches.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, n * oh * ow)


def reference_col2im(col, shape, window):
    n, c, height, width = shape
    kh, kw, ph, pw = window[:4]
    ys, xs, oh, ow = indices(shape, window)
    patches = col.reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 1, 2, 4, 5)
    padded = np.zeros((n, c, height + 2 * ph, width + 2 * pw), np.float64)
    ys, xs = np.broadcast_arrays(ys, xs)
    for a in range(n):
        for b in range(c):
            np.add.at(padded[a, b], (ys, xs), patches[a, b])
    return padded[:, :, ph : ph + height, pw : pw + width]


def col_shape(shape, window):
    n, c, height, width = shape
    kh, kw, ph, pw, sh, sw, dh, dw = window
    return c * kh * kw, n * out_size(height, kh, ph, sh, dh) * out_size(width, kw, pw, sw, dw)


@pytest.mark.parametrize(("shape", "window"), CASES, ids=IDS)
def test_im2col_matches_numpy_and_the_cpu(shape, window):
    image = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    want = np.full(col_shape(shape, window), np.nan, np.float32)
    cpu.im2col(want, image, *window)
    np.testing.assert_array_equal(want, reference_im2col(image, window))
    col = poisoned(want.shape)
    gpu.im2col(col, cuda.to_device(image), *window)
    np.testing.assert_array_equal(col.copy_to_host(), want)


@pytest.mark.parametrize(("shape", "window"), CASES, ids=IDS)
def test_col2im_matches_numpy_and_the_cpu_sum_for_sum(shape, window):
    col = np.random.default_rng(1).standard_normal(col_shape(shape, window)).astype(np.float32)
    want = np.full(shape, np.nan, np.float32)
    cpu.col2im(want, col, *window)
    assert_close(want, reference_col2im(col, shape, window), 1e-6)
    image = poisoned(shape)
    gpu.col2im(image, cuda.to_device(col), *window)
    got = image.copy_to_host()
    assert_close(got, want)
    # the gather adds in the CPU's order: the same float32 sums, bit for bit
    np.testing.assert_array_equal(got, want)


@pytest.mark.gpu
def test_real_sizes():
    shape, window = (100, 32, 32, 32), (5, 5, 2, 2, 1, 1, 1, 1)
    rng = np.random.default_rng(2)
    image = rng.standard_normal(shape).astype(np.float32)
    want = np.empty(col_shape(shape, window), np.float32)
    cpu.im2col(want, image, *window)
    col = poisoned(want.shape)
    gpu.im2col(col, cuda.to_device(image), *window)
    np.testing.assert_array_equal(col.copy_to_host(), want)
    back = np.empty(shape, np.float32)
    cpu.col2im(back, want, *window)
    image_back = poisoned(shape)
    gpu.col2im(image_back, col, *window)
    assert_close(image_back.copy_to_host(), back)
