"""LRN: each CUDA op against its CPU twin, the CPU twin against the references of
tests/kernels/test_cpu_lrn.py."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import lrn as cpu
from pyrpudl.kernels.cuda import lrn as gpu
from tests import reference
from tests.cuda.conftest import assert_close, poisoned
from tests.kernels.test_cpu_lrn import across_backward, inputs, within_backward


@pytest.mark.parametrize(("size", "shape"), [(3, (2, 5, 3, 3)), (4, (1, 6, 2, 3)), (5, (1, 3, 2, 2))])
def test_lrn_across_channels(size, shape):
    x, dy, _ = inputs(shape, size)
    alpha, beta, k = 0.2, 0.75, 1.5
    out, scale, dx = (np.empty_like(x) for _ in range(3))
    cpu.lrn_across_forward(out, scale, x, size, alpha, beta, k)
    cpu.lrn_across_backward(dx, dy, x, out, scale, size, alpha, beta)
    assert_close(out, reference.lrn_across_channels(x.astype(np.float64), size, alpha, beta, k))
    assert_close(dx, across_backward(dy, x, out, scale, size, alpha, beta))
    d_out, d_scale, d_dx = (poisoned(shape) for _ in range(3))
    d_x = cuda.to_device(x)
    gpu.lrn_across_forward(d_out, d_scale, d_x, size, alpha, beta, k)
    gpu.lrn_across_backward(d_dx, cuda.to_device(dy), d_x, d_out, d_scale, size, alpha, beta)
    for device, host in ((d_out, out), (d_scale, scale), (d_dx, dx)):
        assert_close(device.copy_to_host(), host)


@pytest.mark.parametrize(("size", "shape"), [(3, (1, 2, 5, 4)), (4, (2, 1, 4, 5)), (5, (1, 1, 3, 4))])
def test_lrn_within_channel(size, shape):
    x, dy, _ = inputs(shape, 10 + size)
    alpha, beta = 0.3, 0.75
    out, scale, dx = (np.empty_like(x) for _ in range(3))
    cpu.lrn_within_forward(out, scale, x, size, alpha, beta)
    cpu.lrn_within_backward(dx, dy, x, scale, size, alpha, beta)
    assert_close(out, reference.lrn_within_channel(x.astype(np.float64), size, alpha, beta))
    assert_close(dx, within_backward(dy, x, scale, size, alpha, beta))
    d_out, d_scale, d_dx = (poisoned(shape) for _ in range(3))
    d_x = cuda.to_device(x)
    gpu.lrn_within_forward(d_out, d_scale, d_x, size, alpha, beta)
    gpu.lrn_within_backward(d_dx, cuda.to_device(dy), d_x, d_scale, size, alpha, beta)
    for device, host in ((d_out, out), (d_scale, scale), (d_dx, dx)):
        assert_close(device.copy_to_host(), host)


@pytest.mark.gpu
@pytest.mark.parametrize("across", [True, False])
def test_real_sizes(across):
    shape, size, alpha, beta = (64, 32, 16, 16), 5, 1e-4, 0.75
    x, dy, _ = inputs(shape, 30)
    out, scale, dx = (np.empty_like(x) for _ in range(3))
    d_out, d_scale, d_dx = (poisoned(shape) for _ in range(3))
    d_x, d_dy = cuda.to_device(x), cuda.to_device(dy)
    if across:
        cpu.lrn_across_forward(out, scale, x, size, alpha, beta, 1.0)
        cpu.lrn_across_backward(dx, dy, x, out, scale, size, alpha, beta)
        gpu.lrn_across_forward(d_out, d_scale, d_x, size, alpha, beta, 1.0)
        gpu.lrn_across_backward(d_dx, d_dy, d_x, d_out, d_scale, size, alpha, beta)
    else:
        cpu.lrn_within_forward(out, scale, x, size, alpha, beta)
        cpu.lrn_within_backward(dx, dy, x, scale, size, alpha, beta)
        gpu.lrn_within_forward(d_out, d_scale, d_x, size, alpha, beta)
        gpu.lrn_within_backward(d_dx, d_dy, d_x, d_scale, size, alpha, beta)
    for device, host in ((d_out, out), (d_scale, scale), (d_dx, dx)):
        assert_close(device.copy_to_host(), host)
