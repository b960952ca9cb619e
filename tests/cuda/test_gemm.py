"""The CUDA SGEMM against the CPU's (BLAS) and float64: every transpose pair, alpha/beta, tile edges,
and the split-K path (few output tiles, long K)."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu.gemm import gemm as cpu_gemm
from pyrpudl.kernels.cuda import gemm as cuda_gemm
from tests.cuda.conftest import SIMULATED, assert_close, poisoned


def check(m, n, k, trans_a, trans_b, alpha, beta, seed=0, tolerance=1e-4):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    want = alpha * (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b) + beta * c0
    host = c0.copy()
    cpu_gemm(host, a, b, trans_a, trans_b, alpha, beta)
    device = cuda.to_device(c0) if beta else poisoned((m, n))
    cuda_gemm.gemm(device, cuda.to_device(a), cuda.to_device(b), trans_a, trans_b, alpha, beta)
    out = device.copy_to_host()
    assert_close(out, want, tolerance)
    assert_close(out, host, tolerance)


@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_every_transpose_pair_across_tile_edges(trans_a, trans_b):
    check(33, 20, 19, trans_a, trans_b, 1.0, 0.0)


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.0), (2.0, 1.0), (1.0, -0.5)])
def test_alpha_and_beta(alpha, beta):
    check(9, 30, 17, False, True, alpha, beta, seed=1)


def test_split_k_sums_the_slices_in_order():
    tile, slices, _ = cuda_gemm.plan(8, 8, 256)
    if slices == 1:
        pytest.skip("this device needs no split for the shape")
    check(8, 8, 256, False, True, 1.0, 0.0, seed=2)
    check(8, 8, 256, False, True, 0.5, 1.0, seed=3)


@pytest.mark.gpu
@pytest.mark.parametrize(
    ("m", "n", "k", "trans_a", "trans_b"),
    [
        (32, 102400, 75, False, False),  # conv1 forward, batch 100
        (32, 25600, 800, False, False),  # conv2 forward
        (64, 6400, 800, False, False),  # conv3 forward
        (32, 800, 25600, False, True),  # conv2 weight gradient (split-K)
        (800, 25600, 32, True, False),  # conv2 input gradient
        (100, 64, 1024, False, True),  # ip1 forward
    ],
)
def test_the_convnets_shapes(m, n, k, trans_a, trans_b):
    assert not SIMULATED
    check(m, n, k, trans_a, trans_b, 1.0, 0.0, tolerance=1e-5)
