"""conv_gemm (a product with a convolution's column matrix read through two tables, never written on
a GPU) against im2col's matrix and the plain gemm: the tables must give every entry, padding zeros
included, for any window, and a group's rows must be a slice of them."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu.gemm import conv_gemm, gemm
from pyrpudl.kernels.cpu.im2col import im2col
from pyrpudl.net.layers.implicit_columns import column_table, output_size, row_table
from pyrpudl.net.shapes import Window

WINDOWS = [
    Window(3, 3, 1, 1, 1, 1),  # cifar10_quick's 5 x 5 pad 2 in small
    Window(5, 5, 2, 2, 1, 1),
    Window(3, 2, 0, 1, 2, 1),  # rectangular, uneven padding and stride
    Window(3, 3, 2, 2, 1, 1, 2, 2),  # dilated
    Window(1, 1),
    Window(2, 2, 0, 0, 2, 2),  # stride = kernel: no overlap
]


def columns_of(image, window):
    n, c, h, w = image.shape
    oh, ow = output_size(window, h, w)
    col = np.full((c * window.kh * window.kw, n * oh * ow), np.nan, np.float32)
    im2col(col, image, *window.dilated_args)
    return col


def table_columns(image, window):
    """col rebuilt from the tables alone, entry by entry (the definition, slowly)."""
    n, c, h, w = image.shape
    rows, columns = row_table(window, c, h, w), column_table(window, n, c, h, w)
    flat = image.ravel()
    col = np.empty((len(rows), len(columns)), np.float32)
    for r, (offset, dy, dx) in enumerate(rows):
        for p, (base, y0, x0) in enumerate(columns):
            inside = 0 <= dy + y0 < h and 0 <= dx + x0 < w
            col[r, p] = flat[offset + base] if inside else 0.0
    return col


@pytest.mark.parametrize("window", WINDOWS, ids=str)
def test_the_tables_give_every_entry_of_im2col(window):
    image = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    np.testing.assert_array_equal(table_columns(image, window), columns_of(image, window))


@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("trans_b", [False, True], ids=["forward", "weight-gradient"])
@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 0.0), (0.5, 2.0)])
def test_conv_gemm_is_the_gemm_with_the_column_matrix(window, trans_b, alpha, beta):
    rng = np.random.default_rng(1)
    image = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    col = columns_of(image, window)
    rows, positions = col.shape
    a = rng.standard_normal((4, positions if trans_b else rows)).astype(np.float32)
    c = rng.standard_normal((4, rows if trans_b else positions)).astype(np.float32)
    expected = c.copy()
    gemm(expected, a, col, False, trans_b, alpha, beta)
    out = c.copy() if beta else np.full_like(c, np.nan)
    n, ch, h, w = image.shape
    conv_gemm(out, a, image.ravel(), row_table(window, ch, h, w), column_table(window, n, ch, h, w), h, w,
              trans_b, alpha, beta)  # fmt: skip
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_a_groups_rows_are_a_slice_of_the_table():
    image = np.random.default_rng(2).standard_normal((2, 4, 5, 5)).astype(np.float32)
    window = Window(3, 3, 1, 1)
    col = columns_of(image, window)
    rows, columns = row_table(window, 4, 5, 5), column_table(window, 2, 4, 5, 5)
    per_group = 2 * 9  # two channels a group
    weights = np.random.default_rng(3).standard_normal((3, per_group)).astype(np.float32)
    out = np.empty((3, col.shape[1]), np.float32)
    conv_gemm(out, weights, image.ravel(), rows[per_group:], columns, 5, 5, False, 1.0, 0.0)
    np.testing.assert_allclose(out, weights @ col[per_group:], rtol=1e-5, atol=1e-5)


def test_a_batch_too_large_for_int32_offsets_is_refused():
    with pytest.raises(ValueError, match="2\\^31"):
        column_table(Window(1, 1), 2**16, 2**8, 2**4, 2**4)
