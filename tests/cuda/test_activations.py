"""ReLU (leaky), sigmoid, tanh forward and backward: CUDA against the CPU twin, the CPU twin
against NumPy."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import activations as cpu
from pyrpudl.kernels.cuda import activations as gpu
from tests.cuda.conftest import assert_close, poisoned

N = 777


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = (3 * rng.standard_normal(N)).astype(np.float32)
    dy = rng.standard_normal(N).astype(np.float32)
    return x, dy


def run_both(name, *inputs):
    want = np.full(N, np.nan, np.float32)
    getattr(cpu, name)(want, *inputs)
    out = poisoned(N)
    getattr(gpu, name)(out, *(cuda.to_device(v) if isinstance(v, np.ndarray) else v for v in inputs))
    got = out.copy_to_host()
    assert_close(got, want)
    return want


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_relu(slope):
    x, dy = data(1)
    x[:5] = 0  # the kink: x > 0 is false at 0
    y = run_both("relu_forward", x, slope)
    assert_close(y, np.where(x > 0, x, np.float32(slope) * x), 1e-6)
    dx = run_both("relu_backward", dy, x, slope)
    assert_close(dx, np.where(x > 0, dy, np.float32(slope) * dy), 1e-6)


def test_sigmoid():
    x, dy = data(2)
    y = run_both("sigmoid_forward", x)
    assert_close(y, 1 / (1 + np.exp(-x.astype(np.float64))), 1e-6)
    dx = run_both("sigmoid_backward", dy, y)
    assert_close(dx, dy * y.astype(np.float64) * (1 - y), 1e-6)


def test_tanh():
    x, dy = data(3)
    y = run_both("tanh_forward", x)
    assert_close(y, np.tanh(x.astype(np.float64)), 1e-6)
    dx = run_both("tanh_backward", dy, y)
    assert_close(dx, dy * (1 - y.astype(np.float64) ** 2), 1e-6)
