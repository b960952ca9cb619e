"""The CPU loss ops against Caffe's formulas written out in NumPy (float64)."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import losses


def cross_entropy(x, t):
    """−Σ [t·log σ(x) + (1 − t)·log(1 − σ(x))], the plain (unstable) form."""
    p = 1 / (1 + np.exp(-x))
    return -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))


def test_euclidean_loss_is_half_the_squared_distance_per_example():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(60).astype(np.float32), rng.standard_normal(60).astype(np.float32)
    diff, loss = np.empty_like(a), np.empty(1, np.float32)
    losses.euclidean_loss_forward(diff, loss, a, b, 4)
    np.testing.assert_allclose(diff, a - b)
    assert loss[0] == pytest.approx(np.sum((a.astype(float) - b) ** 2) / 8, rel=1e-6)


@pytest.mark.parametrize(
    ("mode", "divisor"), [(losses.FULL, 60), (losses.VALID, 50), (losses.BATCH_SIZE, 4), (losses.NONE, 1)]
)
def test_sigmoid_cross_entropy_normalizations_and_ignored_targets(mode, divisor):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(60) * 3).astype(np.float32)
    t = rng.random(60).astype(np.float32)
    t[:10] = -1  # ignored
    loss, normalizer = np.empty(1, np.float32), np.empty(1, np.float32)
    losses.sigmoid_cross_entropy_forward(loss, normalizer, x, t, 4, -1, True, mode)
    kept = slice(10, None)
    assert normalizer[0] == divisor
    assert loss[0] == pytest.approx(cross_entropy(x[kept].astype(float), t[kept]) / divisor, rel=1e-5)
    dx = np.full_like(x, np.nan)
    losses.sigmoid_cross_entropy_backward(dx, x, t, normalizer, 0.5, -1, True)
    expected = 0.5 * (1 / (1 + np.exp(-x.astype(float))) - t) / divisor
    expected[:10] = 0
    np.testing.assert_allclose(dx, expected, rtol=1e-5, atol=1e-8)


def test_sigmoid_cross_entropy_is_finite_for_saturated_scores():
    """Caffe's stable form: scores of ±100 give the exact loss, where log(sigmoid) would be -inf."""
    x = np.array([100, -100, 100, -100], np.float32)
    t = np.array([1, 0, 0, 1], np.float32)
    loss, normalizer = np.empty(1, np.float32), np.empty(1, np.float32)
    losses.sigmoid_cross_entropy_forward(loss, normalizer, x, t, 1, 0, False, losses.BATCH_SIZE)
    assert loss[0] == pytest.approx(200.0, rel=1e-6)  # two right (≈0) and two wrong by 100 each
    dx = np.empty_like(x)
    losses.sigmoid_cross_entropy_backward(dx, x, t, normalizer, 1.0, 0, False)
    np.testing.assert_allclose(dx, [0, 0, 1, -1], atol=1e-6)
