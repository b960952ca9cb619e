"""im2col / col2im on the CPU against a slow NumPy reference (the CUDA twins are checked against these)."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import im2col as kernels

# (C, H, W, kh, kw, ph, pw, sh, sw, dh, dw): padding wider than the kernel, strides that skip the
# last column, dilation, a kernel larger than the image with its padding
GEOMETRIES = [
    (3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1),
    (2, 8, 9, 5, 5, 2, 2, 1, 1, 1, 1),
    (2, 9, 7, 3, 2, 0, 1, 2, 3, 1, 1),
    (1, 9, 9, 3, 3, 2, 2, 2, 2, 2, 2),
    (2, 4, 5, 3, 3, 4, 3, 3, 2, 1, 1),
    (1, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1),
    (4, 6, 6, 1, 1, 0, 0, 1, 1, 1, 1),
]


def output_size(size, k, pad, stride, dilation):
    return (size + 2 * pad - (dilation * (k - 1) + 1)) // stride + 1


def reference_im2col(image, kh, kw, ph, pw, sh, sw, dh, dw):
    channels, height, width = image.shape
    oh, ow = output_size(height, kh, ph, sh, dh), output_size(width, kw, pw, sw, dw)
    col = np.zeros((channels * kh * kw, oh * ow), image.dtype)
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                for y in range(oh):
                    for x in range(ow):
                        yy, xx = y * sh - ph + i * dh, x * sw - pw + j * dw
                        if 0 <= yy < height and 0 <= xx < width:
                            col[(c * kh + i) * kw + j, y * ow + x] = image[c, yy, xx]
    return col


def batch_columns(images, window):
    return np.concatenate([reference_im2col(image, *window) for image in images], axis=1)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_columns_of_a_batch_match_the_reference(geometry):
    channels, height, width, *window = geometry
    images = np.random.default_rng(sum(geometry)).standard_normal((3, channels, height, width))
    images = images.astype(np.float32)
    expected = batch_columns(images, window)
    col = np.full(expected.shape, np.nan, np.float32)  # every entry must be written
    kernels.im2col(col, images, *window)
    np.testing.assert_array_equal(col, expected)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_col2im_is_the_adjoint_of_im2col(geometry):
    # <im2col(x), g> == <x, col2im(g)> for every x and g
    channels, height, width, *window = geometry
    rng = np.random.default_rng(len(geometry) + sum(geometry))
    images = rng.standard_normal((2, channels, height, width)).astype(np.float32)
    columns = batch_columns(images, window)
    g = rng.standard_normal(columns.shape).astype(np.float32)
    back = np.full(images.shape, np.nan, np.float32)
    kernels.col2im(back, g, *window)
    np.testing.assert_allclose(float((columns * g).sum()), float((images * back).sum()), rtol=1e-4)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_the_serial_kernels_equal_the_batch_ops(geometry):
    """im2col_serial / col2im_serial (worker threads, a chunk of images) give the parallel ops' bits,
    on one image and on a chunk."""
    channels, height, width, *window = geometry
    rng = np.random.default_rng(7)
    images = rng.standard_normal((3, channels, height, width)).astype(np.float32)
    columns = batch_columns(images, window)
    per = columns.shape[1] // 3
    for first, last in ((0, 1), (1, 3)):
        col = np.full((columns.shape[0], (last - first) * per), np.nan, np.float32)
        kernels.im2col_serial(col, images[first:last], *window)
        np.testing.assert_array_equal(col, columns[:, first * per : last * per])
    g = rng.standard_normal(columns.shape).astype(np.float32)
    want = np.full(images.shape, np.nan, np.float32)
    kernels.col2im(want, g, *window)
    back = np.full((2, *images.shape[1:]), np.nan, np.float32)
    kernels.col2im_serial(back, np.ascontiguousarray(g[:, per:]), *window)
    np.testing.assert_array_equal(back, want[1:])
