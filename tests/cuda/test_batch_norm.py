"""BatchNorm's and Scale's CUDA ops against their CPU twins (checked against Caffe's formulas in
tests/kernels/test_cpu_batch_norm.py), on shapes where a channel spans several of a block's strides."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import batch_norm as cpu
from pyrpudl.kernels.cuda import batch_norm as gpu
from tests.cuda.conftest import assert_close, poisoned
from tests.kernels.test_cpu_batch_norm import inputs


@pytest.mark.parametrize(("shape", "global_stats"), [((3, 2, 100), False), ((5, 3, 1), True)])
def test_batch_norm_and_scale_ops_match_the_cpu(shape, global_stats):
    x, dy, (running_mean, running_var) = inputs(shape, seed=7)
    c = shape[1]
    factor = np.array([1.5], np.float32)
    host = [running_mean.copy(), running_var.copy(), factor.copy()]
    device = [cuda.to_device(a) for a in host]
    mean, var, out, dx = np.empty(c, np.float32), np.empty(c, np.float32), np.empty_like(x), np.empty_like(x)
    d_mean, d_var, d_out, d_dx = poisoned((c,)), poisoned((c,)), poisoned(shape), poisoned(shape)
    d_x, d_dy = cuda.to_device(x), cuda.to_device(dy)
    if global_stats:
        cpu.batch_norm_global(mean, var, *host)
        gpu.batch_norm_global(d_mean, d_var, *device)
    else:
        cpu.batch_norm_statistics(mean, var, *host, x, 0.9, True)
        gpu.batch_norm_statistics(d_mean, d_var, *device, d_x, 0.9, True)
    cpu.batch_norm_forward(out, x, mean, var, 1e-5)
    gpu.batch_norm_forward(d_out, d_x, d_mean, d_var, 1e-5)
    cpu.batch_norm_backward(dx, dy, out, var, 1e-5, global_stats)
    gpu.batch_norm_backward(d_dx, d_dy, d_out, d_var, 1e-5, global_stats)
    for got, want in [
        (d_mean, mean),
        (d_var, var),
        (d_out, out),
        (d_dx, dx),
        *zip(device, host, strict=True),
    ]:
        assert_close(got.copy_to_host(), want)
    gamma, beta = cuda.to_device(mean + 1), cuda.to_device(var)
    dgamma, dbeta = np.empty(c, np.float32), np.empty(c, np.float32)
    cpu.scale_forward(out, x, mean + 1, var, True)
    cpu.scale_backward(dx, dgamma, dbeta, dy, x, mean + 1, True)
    d_dgamma, d_dbeta = poisoned((c,)), poisoned((c,))
    gpu.scale_forward(d_out, d_x, gamma, beta, True)
    gpu.scale_backward(d_dx, d_dgamma, d_dbeta, d_dy, d_x, gamma, True)
    for got, want in [(d_out, out), (d_dx, dx), (d_dgamma, dgamma), (d_dbeta, dbeta)]:
        assert_close(got.copy_to_host(), want)
