"""The CUDA gemm against its CPU twin and a float64 NumPy product.

In the simulator the device reports no SM count, so the split-K rule sees 1 SM and splits small products
into a few blocks; the shapes below keep every launch at 1 to 4 blocks.
"""

import numpy as np
import pytest

from tests.cuda.conftest import assert_close, poisoned

TRANSPOSES = [(False, False), (False, True), (True, False), (True, True)]


def operands(m, n, k, trans_a, trans_b, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c = rng.standard_normal((m, n)).astype(np.float32)
    return a, b, c


def reference(c, a, b, trans_a, trans_b, alpha, beta):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    product = (a64.T if trans_a else a64) @ (b64.T if trans_b else b64)
    return alpha * product + (beta * c.astype(np.float64) if beta != 0 else 0.0)


def run_both(m, n, k, trans_a, trans_b, alpha, beta, seed=0):
    """The CUDA result, the CPU result and the float64 reference of one product."""
    from numba import cuda

    from pyrpudl.kernels.cpu.gemm import gemm as cpu_gemm
    from pyrpudl.kernels.cuda.gemm import gemm

    a, b, c = operands(m, n, k, trans_a, trans_b, seed)
    d_c = poisoned((m, n)) if beta == 0 else cuda.to_device(c)
    gemm(d_c, cuda.to_device(a), cuda.to_device(b), trans_a, trans_b, alpha, beta)
    cpu_c = np.full((m, n), np.nan, np.float32) if beta == 0 else c.copy()
    cpu_gemm(cpu_c, a, b, trans_a, trans_b, alpha, beta)
    return d_c.copy_to_host(), cpu_c, reference(c, a, b, trans_a, trans_b, alpha, beta)


def check(m, n, k, trans_a, trans_b, alpha, beta, seed=0):
    out, cpu, ref = run_both(m, n, k, trans_a, trans_b, alpha, beta, seed)
    assert out.dtype == np.float32 and out.shape == (m, n)
    assert_close(out, ref)
    assert_close(out, cpu)
    return out


@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES)
def test_odd_sizes_straddling_the_64x64_tiles(trans_a, trans_b):
    # 2 x 2 blocks of 64 x 64, partial in m and n; K = 19 is one full slab of 16 and a partial one
    check(70, 67, 19, trans_a, trans_b, 1.0, 0.0)


@pytest.mark.parametrize("trans_a, trans_b", [(False, True), (True, False)])
def test_alpha_and_beta(trans_a, trans_b):
    check(70, 67, 19, trans_a, trans_b, -0.5, 1.5, seed=1)


@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (True, True)])
def test_alpha_with_beta_zero_never_reads_c(trans_a, trans_b):
    check(70, 67, 19, trans_a, trans_b, 2.5, 0.0, seed=2)


@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (False, True)])
def test_few_rows_use_the_32x128_tile(trans_a, trans_b):
    from pyrpudl.kernels.cuda import gemm

    assert gemm.plan(20, 140, 33)[:2] == (gemm.TILE_32x128, 1)
    check(20, 140, 33, trans_a, trans_b, 1.0, 0.0, seed=3)


def test_large_products_use_the_128x128_tile():
    from pyrpudl.kernels.cuda import gemm

    assert gemm.plan(256, 256, 5)[:2] == (gemm.TILE_128x128, 1)
    check(256, 256, 5, True, False, 1.0, 0.0, seed=4)


@pytest.mark.parametrize(
    "m, n, k, trans_a, trans_b, alpha, beta",
    [
        (10, 20, 300, False, True, 1.0, 0.0),  # 32 x 128 tile, the weight-gradient layout
        (40, 30, 256, False, True, 0.5, -2.0),  # 64 x 64 tile, with beta
        (12, 9, 200, True, False, 1.0, 1.0),  # the last slice is partial
    ],
)
def test_split_k(m, n, k, trans_a, trans_b, alpha, beta):
    from pyrpudl.kernels.cuda import gemm

    tile, slices, slice_k = gemm.plan(m, n, k)
    assert 1 < slices <= 4 and slice_k % gemm.BK == 0 and (slices - 1) * slice_k < k <= slices * slice_k
    check(m, n, k, trans_a, trans_b, alpha, beta, seed=5)


def test_split_k_is_deterministic_and_survives_scratch_growth(monkeypatch):
    from numba import cuda

    from pyrpudl.kernels.cuda import gemm

    monkeypatch.setattr(gemm, "_scratch", None)  # start from no buffer and no plans
    monkeypatch.setattr(gemm, "_plans", {})
    a, b, _ = operands(3, 4, 130, False, True, seed=6)
    d_a, d_b = cuda.to_device(a), cuda.to_device(b)
    first = poisoned((3, 4))
    gemm.gemm(first, d_a, d_b, False, True, 1.0, 0.0)
    small = gemm._scratch
    assert small is not None
    check(16, 24, 300, False, True, 1.0, 0.0, seed=7)  # needs a bigger buffer
    assert gemm._scratch.size > small.size
    second = poisoned((3, 4))
    gemm.gemm(second, d_a, d_b, False, True, 1.0, 0.0)  # the cached plan, on the old buffer
    np.testing.assert_array_equal(first.copy_to_host(), second.copy_to_host())
    assert_close(second.copy_to_host(), a.astype(np.float64) @ b.T)


@pytest.fixture
def vector_layout(monkeypatch):
    """The experimental layout (PYRPUDL_GEMM_LAYOUT=vector): kernels and plans made afresh with it."""
    from pyrpudl.kernels.cuda import gemm

    monkeypatch.setattr(gemm, "VECTOR", True)
    monkeypatch.setattr(gemm, "_kernels", {})
    monkeypatch.setattr(gemm, "_plans", {})
    return gemm


@pytest.mark.parametrize("trans_a, trans_b", TRANSPOSES)
@pytest.mark.parametrize(
    "m, n, k, alpha, beta",
    [
        (70, 67, 19, 1.0, 0.0),  # 64 x 64 tiles, partial in m, n and k
        (20, 140, 33, -0.5, 1.5),  # the 32 x 128 tile, with beta
        (10, 20, 300, 1.0, 0.0),  # 32 x 128, split K
    ],
)
def test_the_vector_layout_computes_the_same_products(vector_layout, m, n, k, trans_a, trans_b, alpha, beta):
    gemm = vector_layout
    tile = gemm.plan(m, n, k)[0]
    assert gemm._run(tile) == 4
    assert "a_read = np.uint64(ty * 4)" in gemm._module_source(tile, trans_a, trans_b, False)
    check(m, n, k, trans_a, trans_b, alpha, beta, seed=8)


def test_the_vector_layout_leaves_the_128x128_tile_strided(vector_layout):
    assert vector_layout._run(vector_layout.TILE_128x128) == 1
    check(256, 256, 5, True, False, 1.0, 0.0, seed=9)


def test_empty_k_scales_c():
    out, cpu, ref = run_both(5, 6, 0, False, False, 1.0, 0.5)
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    np.testing.assert_allclose(cpu, ref, rtol=1e-6)


CONVNET_SHAPES = [
    # (m, n, k, trans_a, trans_b): cifar10-style convnet at batch 100
    (32, 102400, 75, False, False),  # conv1 forward: W (32, 75) @ col (75, 102400)
    (32, 25600, 800, False, False),  # conv2 forward
    (64, 6400, 800, False, False),  # conv3 forward
    (32, 800, 25600, False, True),  # conv2 weight gradient: diff @ col.T
    (64, 800, 6400, False, True),  # conv3 weight gradient
    (800, 25600, 32, True, False),  # conv2 input gradient: W.T @ diff
    (100, 64, 1024, False, True),  # ip1 forward: x @ W.T
    (100, 10, 64, False, True),  # ip2 forward
    (100, 1024, 64, False, False),  # ip1 input gradient: dy @ W
    (64, 1024, 100, True, False),  # ip1 weight gradient: dy.T @ x
    (10, 64, 100, True, False),  # ip2 weight gradient
]


@pytest.mark.gpu
@pytest.mark.parametrize("m, n, k, trans_a, trans_b", CONVNET_SHAPES)
def test_convnet_shapes_on_a_gpu(m, n, k, trans_a, trans_b):
    out, _, ref = run_both(m, n, k, trans_a, trans_b, 1.0, 0.0, seed=8)
    assert_close(out, ref)
    out, _, ref = run_both(m, n, k, trans_a, trans_b, 0.5, 1.0, seed=9)
    assert_close(out, ref)
