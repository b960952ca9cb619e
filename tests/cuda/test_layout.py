"""The wide layout to and from (N, O, P), bias rows, row and column sums: CUDA against the CPU
twin, the CPU twin against NumPy. Both shapes of sum_rows (a warp per row for short rows, a block
per row for long ones)."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import layout as cpu
from pyrpudl.kernels.cuda import layout as gpu
from tests.cuda.conftest import assert_close, poisoned

N, OUT, P = 3, 5, 7  # images, outputs (channels), positions


@pytest.mark.parametrize("has_bias", [True, False])
def test_wide_to_nchw(has_bias):
    rng = np.random.default_rng(0)
    wide = rng.standard_normal((OUT, N * P)).astype(np.float32)
    # without a bias the bias array is any float32 array and is not read: NaN shows if it is
    bias = rng.standard_normal(OUT).astype(np.float32) if has_bias else np.full(1, np.nan, np.float32)
    want = np.full((N, OUT, P), np.nan, np.float32)
    cpu.wide_to_nchw(want, wide, bias, has_bias)
    expected = wide.reshape(OUT, N, P).transpose(1, 0, 2) + (bias[None, :, None] if has_bias else 0)
    np.testing.assert_array_equal(want, expected)
    out = poisoned((N, OUT, P))
    gpu.wide_to_nchw(out, cuda.to_device(wide), cuda.to_device(bias), has_bias)
    np.testing.assert_array_equal(out.copy_to_host(), want)


def test_nchw_to_wide():
    x = np.random.default_rng(1).standard_normal((N, OUT, P)).astype(np.float32)
    want = np.full((OUT, N * P), np.nan, np.float32)
    cpu.nchw_to_wide(want, x)
    np.testing.assert_array_equal(want, x.transpose(1, 0, 2).reshape(OUT, N * P))
    wide = poisoned((OUT, N * P))
    gpu.nchw_to_wide(wide, cuda.to_device(x))
    np.testing.assert_array_equal(wide.copy_to_host(), want)


def test_add_bias_columns_accumulates_in_place():
    rng = np.random.default_rng(2)
    start = rng.standard_normal((9, 11)).astype(np.float32)
    bias = rng.standard_normal(11).astype(np.float32)
    want = start.copy()
    cpu.add_bias_columns(want, bias)
    np.testing.assert_array_equal(want, start + bias)
    out = cuda.to_device(start)
    gpu.add_bias_columns(out, cuda.to_device(bias))
    np.testing.assert_array_equal(out.copy_to_host(), want)


@pytest.mark.parametrize("shape", [(11, 40), (3, 5), (1, 1), (2, 1100), (3, 2053)])
def test_sum_rows(shape):
    m = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    want = np.full(shape[0], np.nan, np.float32)
    cpu.sum_rows(want, m)
    assert_close(want, m.sum(axis=1, dtype=np.float64), 1e-6)
    out = poisoned(shape[0])
    gpu.sum_rows(out, cuda.to_device(m))
    assert_close(out.copy_to_host(), want)


@pytest.mark.parametrize("shape", [(37, 70), (3, 5), (1, 33), (300, 2)])
def test_sum_columns(shape):
    m = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    want = np.full(shape[1], np.nan, np.float32)
    cpu.sum_columns(want, m)
    assert_close(want, m.sum(axis=0, dtype=np.float64), 1e-6)
    out = poisoned(shape[1])
    gpu.sum_columns(out, cuda.to_device(m))
    assert_close(out.copy_to_host(), want)


@pytest.mark.gpu
def test_real_sizes_and_a_repeatable_sum():
    rng = np.random.default_rng(5)
    m = rng.standard_normal((32, 102400)).astype(np.float32)
    d_m = cuda.to_device(m)
    rows, again, columns = poisoned(32), poisoned(32), poisoned(102400)
    gpu.sum_rows(rows, d_m)
    gpu.sum_rows(again, d_m)
    gpu.sum_columns(columns, d_m)
    assert_close(rows.copy_to_host(), m.sum(axis=1, dtype=np.float64))
    np.testing.assert_array_equal(again.copy_to_host(), rows.copy_to_host())  # no atomics
    assert_close(columns.copy_to_host(), m.sum(axis=0, dtype=np.float64))
    x = rng.standard_normal((100, 32, 1024)).astype(np.float32)
    wide = poisoned((32, 102400))
    gpu.nchw_to_wide(wide, cuda.to_device(x))
    back = poisoned(x.shape)
    gpu.wide_to_nchw(back, wide, cuda.to_device(np.ones(32, np.float32)), True)
    np.testing.assert_array_equal(back.copy_to_host(), x + 1)
