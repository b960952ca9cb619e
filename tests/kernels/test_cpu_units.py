"""The fine-tuning unit kernels against NumPy, in both precisions."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import units as k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_and_softmax_with_bias(dtype):
    rng = np.random.default_rng(0)
    a, bias = (3 * rng.standard_normal((4, 6))).astype(dtype), rng.standard_normal(6).astype(dtype)
    out = np.empty_like(a)
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    k.tanh_bias(out, a, bias)
    np.testing.assert_allclose(out, np.tanh(a + bias), rtol=tolerance, atol=tolerance)
    k.softmax_bias(out, a, bias)
    z = np.exp(a + bias - (a + bias).max(axis=1, keepdims=True))
    np.testing.assert_allclose(out, z / z.sum(axis=1, keepdims=True), rtol=tolerance, atol=tolerance)


def test_unit_deltas():
    rng = np.random.default_rng(1)
    y, other = rng.random((3, 4)), rng.standard_normal((3, 4))
    slopes = {0: y * (1 - y), 1: 1 - y * y, 2: np.ones_like(y)}
    out = np.empty_like(y)
    for kind, slope in slopes.items():
        k.unit_delta(out, y, other, kind, 0)
        np.testing.assert_allclose(out, (y - other) * slope, rtol=1e-14)
        k.unit_delta(out, y, other, kind, 2)
        np.testing.assert_allclose(out, other * slope, rtol=1e-14)
    k.unit_delta(out, y, other, 0, 1)
    np.testing.assert_allclose(out, y - other, rtol=1e-14)
