"""PReLU's CUDA ops against their CPU twins (checked against Caffe's formulas in
tests/kernels/test_cpu_prelu.py), with a channel longer than a block's stride."""

import numpy as np
from numba import cuda

from pyrpudl.kernels.cpu import prelu as cpu
from pyrpudl.kernels.cuda import prelu as gpu
from tests.cuda.conftest import assert_close, poisoned


def test_prelu_ops_match_the_cpu():
    shape = (3, 2, 100)
    rng = np.random.default_rng(1)
    x, dy = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    slopes = rng.random(2).astype(np.float32)
    out, dx, dslopes = np.empty_like(x), np.empty_like(x), np.empty(2, np.float32)
    cpu.prelu_forward(out, x, slopes)
    cpu.prelu_backward(dx, dslopes, dy, x, slopes)
    d_out, d_dx, d_dslopes = poisoned(shape), poisoned(shape), poisoned((2,))
    d_x, d_slopes = cuda.to_device(x), cuda.to_device(slopes)
    gpu.prelu_forward(d_out, d_x, d_slopes)
    gpu.prelu_backward(d_dx, d_dslopes, cuda.to_device(dy), d_x, d_slopes)
    for device, host in ((d_out, out), (d_dx, dx), (d_dslopes, dslopes)):
        assert_close(device.copy_to_host(), host)
