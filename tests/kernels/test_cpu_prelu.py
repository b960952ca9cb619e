"""PReLU's CPU ops against Caffe's formulas written out in NumPy."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import prelu as ops


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 1, 7), (4, 3, 1)])
def test_prelu_forward_and_backward(shape):
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    slopes = rng.random(shape[1]).astype(np.float32)
    out, dx, dslopes = np.empty_like(x), np.empty_like(x), np.full(shape[1], np.nan, np.float32)
    ops.prelu_forward(out, x, slopes)
    ops.prelu_backward(dx, dslopes, dy, x, slopes)
    a = slopes[None, :, None]
    np.testing.assert_allclose(out, np.maximum(x, 0) + a * np.minimum(x, 0), rtol=1e-6)
    np.testing.assert_allclose(dx, np.where(x > 0, dy, a * dy), rtol=1e-6)
    np.testing.assert_allclose(dslopes, (dy * x * (x <= 0)).sum(axis=(0, 2)), rtol=1e-5, atol=1e-6)
