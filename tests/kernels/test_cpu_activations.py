"""The CPU activations against NumPy, below and above the size where they go parallel."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import activations as act

SIZES = [1, 1000, act.PARALLEL_MIN + 3]


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    return (3 * rng.standard_normal(n)).astype(np.float32), rng.standard_normal(n).astype(np.float32)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("slope", [0.0, 0.2])
def test_relu(n, slope):
    x, dy = data(n)
    x[: n // 3] = np.maximum(x[: n // 3], 0)  # some exact zeros: the kink is not positive
    out = np.full(n, np.nan, np.float32)
    act.relu_forward(out, x, slope)
    np.testing.assert_array_equal(out, np.where(x > 0, x, x * np.float32(slope)))
    act.relu_backward(out, dy, x, slope)
    np.testing.assert_array_equal(out, np.where(x > 0, dy, dy * np.float32(slope)))


@pytest.mark.parametrize("n", SIZES)
def test_sigmoid_and_tanh(n):
    x, dy = data(n, 1)
    x[0] = -200.0  # no overflow warning, no NaN
    wide = x.astype(np.float64)
    y = np.full(n, np.nan, np.float32)
    act.sigmoid_forward(y, x)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-wide)), rtol=1e-5, atol=1e-7)
    dx = np.full(n, np.nan, np.float32)
    act.sigmoid_backward(dx, dy, y)
    np.testing.assert_allclose(dx, dy * y * (1 - y), rtol=1e-5, atol=1e-7)
    act.tanh_forward(y, x)
    np.testing.assert_allclose(y, np.tanh(wide), rtol=1e-5, atol=1e-7)
    act.tanh_backward(dx, dy, y)
    np.testing.assert_allclose(dx, dy * (1 - y * y), rtol=1e-5, atol=1e-7)


def test_the_forward_ops_may_work_in_place():
    x, _ = data(1000, 2)
    want = np.tanh(x)
    act.tanh_forward(x, x)
    np.testing.assert_allclose(x, want, rtol=1e-6)
    act.relu_forward(x, x, 0.5)
    np.testing.assert_allclose(x, np.where(want > 0, want, 0.5 * want), rtol=1e-6)
