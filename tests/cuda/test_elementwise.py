"""fill, add, multiply, axpby: CUDA against the CPU twin, the CPU twin against NumPy."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import elementwise as cpu
from pyrpudl.kernels.cuda import elementwise as gpu
from tests.cuda.conftest import assert_close, poisoned

N = 777  # not a multiple of the block size


def vectors(count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(N).astype(np.float32) for _ in range(count)]


def test_fill():
    want = np.full(N, np.nan, np.float32)
    cpu.fill(want, 2.5)
    np.testing.assert_array_equal(want, np.full(N, 2.5, np.float32))
    out = poisoned(N)
    gpu.fill(out, 2.5)
    np.testing.assert_array_equal(out.copy_to_host(), want)


@pytest.mark.parametrize(("name", "oracle"), [("add", np.add), ("multiply", np.multiply)])
def test_binary(name, oracle):
    a, b = vectors(2)
    want = np.full(N, np.nan, np.float32)
    getattr(cpu, name)(want, a, b)
    np.testing.assert_array_equal(want, oracle(a, b))
    out = poisoned(N)
    getattr(gpu, name)(out, cuda.to_device(a), cuda.to_device(b))
    assert_close(out.copy_to_host(), want)


def test_axpby():
    x, y = vectors(2, 1)
    want = np.full(N, np.nan, np.float32)
    cpu.axpby(want, 0.5, x, -1.25, y)
    assert_close(want, 0.5 * x.astype(np.float64) - 1.25 * y, 1e-6)
    out = poisoned(N)
    gpu.axpby(out, 0.5, cuda.to_device(x), -1.25, cuda.to_device(y))
    assert_close(out.copy_to_host(), want)


def test_out_may_be_an_input():
    a, b = vectors(2, 2)
    d_a, d_b = cuda.to_device(a), cuda.to_device(b)
    gpu.add(d_a, d_a, d_b)
    gpu.axpby(d_b, 2.0, d_a, 0.5, d_b)
    gpu.multiply(d_a, d_a, d_a)
    want_a, want_b = a + b, 2 * (a + b) + 0.5 * b
    assert_close(d_a.copy_to_host(), want_a * want_a)
    assert_close(d_b.copy_to_host(), want_b)
