import numpy as np
import pytest

from pyrpudl.kernels.cpu.gemm import gemm


@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 0.0), (0.5, 0.0), (2.0, 1.0), (1.0, -0.5)])
def test_every_transpose_and_scaling(trans_a, trans_b, alpha, beta):
    rng = np.random.default_rng(0)
    m, n, k = 7, 5, 9
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    want = alpha * (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b) + beta * c0
    c = c0.copy() if beta else np.full((m, n), np.nan, np.float32)  # beta 0: c is not read
    gemm(c, a, b, trans_a, trans_b, alpha, beta)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)


def test_plain_product_goes_straight_into_c():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 4)).astype(np.float32)
    b = rng.standard_normal((5, 4)).astype(np.float32)
    c = np.full((6, 5), np.nan, np.float32)
    gemm(c, a, b, False, True, 1, 0)
    np.testing.assert_array_equal(c, np.matmul(a, b.T))
    assert c.dtype == np.float32


def test_empty_k_scales_c():
    c = np.ones((3, 2), np.float32)
    gemm(c, np.zeros((3, 0), np.float32), np.zeros((0, 2), np.float32), False, False, 1.0, 0.5)
    np.testing.assert_array_equal(c, np.full((3, 2), 0.5, np.float32))
