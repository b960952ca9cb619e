"""The CPU element-wise ops against NumPy, below and above the size where they go parallel."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import elementwise as ew

SIZES = [1, 1000, ew.PARALLEL_MIN + 3]


def vectors(n, count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n).astype(np.float32) for _ in range(count)]


@pytest.mark.parametrize("n", SIZES)
def test_fill(n):
    out = np.full(n, np.nan, np.float32)
    ew.fill(out, -1.5)
    assert np.all(out == np.float32(-1.5))
    ew.fill(out, 0)  # an integer value too
    assert not out.any()


@pytest.mark.parametrize("n", SIZES)
def test_add_multiply_axpby(n):
    a, b = vectors(n, 2)
    out = np.full(n, np.nan, np.float32)
    ew.add(out, a, b)
    np.testing.assert_array_equal(out, a + b)
    ew.multiply(out, a, b)
    np.testing.assert_array_equal(out, a * b)
    ew.axpby(out, 0.3, a, -2.0, b)
    np.testing.assert_allclose(out, np.float32(0.3) * a - 2 * b, rtol=1e-6, atol=1e-6)


def test_out_may_be_an_input():
    a, b = vectors(ew.PARALLEL_MIN + 3, 2, 1)
    want = 0.5 * (a + b) + 2 * b
    ew.add(a, a, b)
    ew.axpby(a, 0.5, a, 2.0, b)
    np.testing.assert_allclose(a, want, rtol=1e-5, atol=1e-6)
    ew.multiply(b, b, b)
    assert np.all(b >= 0)
