"""MVN on CUDA against its CPU twin (checked against Caffe's formulas and by finite differences in
tests/net/layers/test_batch_norm.py): rows longer than a block, both variants."""

import numpy as np
from numba import cuda

from pyrpudl.kernels.cpu import mvn as cpu
from pyrpudl.kernels.cuda import mvn as gpu
from tests.cuda.conftest import assert_close, poisoned


def test_mvn_matches_the_cpu():
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((2, 300)) * 2 + 1).astype(np.float32)
    dy = rng.standard_normal((2, 300)).astype(np.float32)
    d_x, d_dy = cuda.to_device(x), cuda.to_device(dy)
    for normalize in (True, False):
        y, sigma, dx = np.empty_like(x), np.empty(2, np.float32), np.empty_like(x)
        cpu.mvn_forward(y, sigma, x, normalize, 1e-9)
        cpu.mvn_backward(dx, dy, y, sigma, normalize)
        d_y, d_sigma, d_dx = poisoned(x.shape), poisoned((2,)), poisoned(x.shape)
        gpu.mvn_forward(d_y, d_sigma, d_x, normalize, 1e-9)
        gpu.mvn_backward(d_dx, d_dy, d_y, d_sigma, normalize)
        assert_close(d_y.copy_to_host(), y)
        assert_close(d_sigma.copy_to_host(), sigma)
        assert_close(d_dx.copy_to_host(), dx)
