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
