"""The CPU layout ops against NumPy, small and above the size where the reorders go parallel."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import layout

# (N, O, P): serial and parallel (>= PARALLEL_MIN elements), each with runs of P and with P = 1
SHAPES = [(2, 3, 5), (5, 4, 1), (4, 8, 8200), (70000, 4, 1)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("has_bias", [True, False])
def test_wide_to_nchw_and_back(shape, has_bias):
    n, o, p = shape
    rng = np.random.default_rng(0)
    wide = rng.standard_normal((o, n * p)).astype(np.float32)
    bias = rng.standard_normal(o).astype(np.float32) if has_bias else np.zeros(0, np.float32)
    out = np.full(shape, np.nan, np.float32)
    layout.wide_to_nchw(out, wide, bias, has_bias)
    want = wide.reshape(o, n, p).transpose(1, 0, 2) + (bias[None, :, None] if has_bias else 0)
    np.testing.assert_array_equal(out, want)
    back = np.full((o, n * p), np.nan, np.float32)
    layout.nchw_to_wide(back, want)
    np.testing.assert_array_equal(back, want.transpose(1, 0, 2).reshape(o, n * p))


def test_add_bias_columns():
    rng = np.random.default_rng(1)
    out = rng.standard_normal((6, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    want = out + bias
    layout.add_bias_columns(out, bias)
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("shape", [(1, 1), (7, 9), (32, 10240)])
def test_sums(shape):
    m = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    rows, columns = np.full(shape[0], np.nan, np.float32), np.full(shape[1], np.nan, np.float32)
    layout.sum_rows(rows, m)
    layout.sum_columns(columns, m)
    np.testing.assert_allclose(rows, m.sum(axis=1, dtype=np.float64), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(columns, m.sum(axis=0, dtype=np.float64), rtol=1e-4, atol=1e-4)
