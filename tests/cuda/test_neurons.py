"""The neuron ops on CUDA against their CPU twins (checked against Caffe's formulas in
tests/kernels/test_cpu_neurons.py), every op in one test to keep the simulator quick."""

import numpy as np
from numba import cuda

from pyrpudl.kernels import neuron_codes as op
from pyrpudl.kernels.cpu import neurons as cpu
from pyrpudl.kernels.cuda import neurons as gpu
from tests.cuda.conftest import assert_close, poisoned

OPS = [
    (op.ELU, (0.7, 0.0, 0.0)),
    (op.ABSVAL, (0.0, 0.0, 0.0)),
    (op.BNLL, (0.0, 0.0, 0.0)),
    (op.POWER, (2.5, 0.5, 40.0)),  # shift and scale keep the base positive for every x
    (op.EXP, (0.3, 2.0, 0.0)),
    (op.LOG, (0.5, 40.0, 0.4)),
    (op.THRESHOLD, (0.1, 0.0, 0.0)),
    (op.CLIP, (-0.5, 1.0, 0.0)),
    (op.SWISH, (1.3, 0.0, 0.0)),
]


def test_every_neuron_op_matches_the_cpu():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(300) * 2).astype(np.float32)  # more than a block of 256 threads
    x[:3] = (-60, 0, 60)  # BNLL's and ELU's far ends, and 0
    dy = rng.standard_normal(300).astype(np.float32)
    d_x, d_dy = cuda.to_device(x), cuda.to_device(dy)
    for code, settings in OPS:
        y, dx = np.empty_like(x), np.empty_like(x)
        cpu.neuron_forward(y, x, code, *settings)
        cpu.neuron_backward(dx, dy, x, y, code, *settings)
        d_y, d_dx = poisoned(x.shape), poisoned(x.shape)
        gpu.neuron_forward(d_y, d_x, code, *settings)
        gpu.neuron_backward(d_dx, d_dy, d_x, d_y, code, *settings)
        assert_close(d_y.copy_to_host(), y)
        assert_close(d_dx.copy_to_host(), dx)
