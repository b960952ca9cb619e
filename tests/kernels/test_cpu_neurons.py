"""The neuron ops against Caffe's formulas written out in NumPy, forward and backward, float32."""

import numpy as np
import pytest

from pyrpudl.kernels import neuron_codes as op
from pyrpudl.kernels.cpu import neurons

X = np.array([-60.0, -3.0, -0.5, 0.0, 0.25, 2.0, 60.0], np.float32)
POSITIVE = np.array([0.1, 0.5, 1.0, 2.0, 7.5], np.float32)


def bnll(x):
    return np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(np.minimum(x, 0))))


CASES = [  # (op, settings, x, y(x), dy/dx(x, y))
    (op.ELU, (0.7, 0, 0), X, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)),
     lambda x, y: np.where(x > 0, 1, y + 0.7)),
    (op.ABSVAL, (0, 0, 0), X, np.abs, lambda x, y: np.sign(x)),
    (op.BNLL, (0, 0, 0), X, bnll, lambda x, y: 1 / (1 + np.exp(-np.minimum(x, 50)))),
    (op.POWER, (2.0, 0.5, 1.0), X, lambda x: (1 + 0.5 * x) ** 2, lambda x, y: 2 * 0.5 * (1 + 0.5 * x)),
    (op.POWER, (0.5, 3.0, 0.0), POSITIVE, lambda x: np.sqrt(3 * x), lambda x, y: 0.5 * 3 / np.sqrt(3 * x)),
    (op.POWER, (3.0, 0.0, 2.0), X, lambda x: np.full_like(x, 8.0), lambda x, y: np.zeros_like(x)),
    # base 2, scale 0.5, shift 1: y = 2^(1 + 0.5 x) = 2 exp(ln2 0.5 x)
    (op.EXP, (np.log(2) * 0.5, 2.0, 0), X[1:-1], lambda x: 2 ** (1 + 0.5 * x),
     lambda x, y: y * np.log(2) * 0.5),
    # base 10, scale 2, shift 1: y = log10(1 + 2 x)
    (op.LOG, (2.0, 1.0, 1 / np.log(10)), POSITIVE, lambda x: np.log10(1 + 2 * x),
     lambda x, y: 2 / ((1 + 2 * x) * np.log(10))),
    (op.CLIP, (-0.5, 2.0, 0), X, lambda x: np.clip(x, -0.5, 2.0), lambda x, y: (x >= -0.5) & (x <= 2.0)),
    # Caffe's Swish: y = x sigmoid(beta x), dy/dx = beta y + sigmoid(beta x) (1 - beta y)
    (op.SWISH, (1.5, 0, 0), X, lambda x: x / (1 + np.exp(-1.5 * x)),
     lambda x, y: 1.5 * y + (1 - 1.5 * y) / (1 + np.exp(-1.5 * x))),
    (op.THRESHOLD, (0.25, 0, 0), X, lambda x: (x > 0.25).astype(np.float32), lambda x, y: np.zeros_like(x)),
]  # fmt: skip


@pytest.mark.parametrize(("code", "settings", "x", "value", "slope"), CASES)
def test_each_neuron_op_computes_caffes_formula_and_its_derivative(code, settings, x, value, slope):
    x64 = x.astype(np.float64)
    y = np.empty_like(x)
    neurons.neuron_forward(y, x, code, *settings)
    np.testing.assert_allclose(y, value(x64), rtol=2e-6, atol=1e-6)
    dy = np.linspace(-1, 1.5, x.size).astype(np.float32)
    dx = np.empty_like(x)
    neurons.neuron_backward(dx, dy, x, y, code, *settings)
    np.testing.assert_allclose(dx, dy * slope(x64, y.astype(np.float64)), rtol=2e-6, atol=1e-6)
    assert y.dtype == dx.dtype == np.float32


def test_a_nan_passes_through():
    x = np.array([np.nan, 1.0], np.float32)
    for code, settings, *_ in CASES[:-1]:
        y = np.empty_like(x)
        neurons.neuron_forward(y, x, code, *settings)
        assert np.isnan(y[0]) or code == op.POWER and settings[1] == 0  # scale 0: x is not read
