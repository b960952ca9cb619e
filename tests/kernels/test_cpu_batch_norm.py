"""BatchNorm's and Scale's CPU ops against Caffe's formulas written out in NumPy (tests/reference.py)."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import batch_norm as ops
from tests import reference

SHAPES = [(4, 3, 5), (2, 2, 1), (1, 3, 6)]  # (N, C, S); S = 1 after an inner product, N = 1 alone


def inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    blobs = rng.random(shape[1]).astype(np.float32), rng.random(shape[1]).astype(np.float32) + 0.5
    return x, dy, blobs


def backward_reference(dy, y, var, eps, global_stats):
    """Caffe's BatchNormLayer::Backward_cpu, per channel."""
    inverse = 1 / np.sqrt(var[None, :, None] + eps)
    if global_stats:
        return dy * inverse
    mean_dy = dy.mean(axis=(0, 2), keepdims=True)
    mean_dy_y = (dy * y).mean(axis=(0, 2), keepdims=True)
    return (dy - mean_dy - y * mean_dy_y) * inverse


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("global_stats", [False, True])
def test_batch_norm_forward_and_backward_match_caffes_formulas(shape, global_stats):
    x, dy, (running_mean, running_var) = inputs(shape)
    factor = np.array([1.8], np.float32)
    c, eps, fraction = shape[1], 1e-5, 0.9
    want = reference.batch_norm(x.astype(np.float64), running_mean, running_var, factor, eps, fraction,
                                global_stats)  # fmt: skip
    mean, var = np.empty(c, np.float32), np.empty(c, np.float32)
    if global_stats:
        ops.batch_norm_global(mean, var, running_mean, running_var, factor)
    else:
        ops.batch_norm_statistics(mean, var, running_mean, running_var, factor, x, fraction, True)
    out = np.empty_like(x)
    ops.batch_norm_forward(out, x, mean, var, eps)
    np.testing.assert_allclose(out, want[0], rtol=1e-4, atol=1e-5)
    for got, expected in zip((running_mean, running_var, factor), want[1:], strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5)
    dx = np.empty_like(x)
    ops.batch_norm_backward(dx, dy, out, var, eps, global_stats)
    np.testing.assert_allclose(dx, backward_reference(dy, out, var, eps, global_stats), rtol=1e-4, atol=1e-5)


def test_statistics_leave_the_blobs_alone_outside_training_and_global_ones_start_at_zero():
    x, _, (running_mean, running_var) = inputs((3, 2, 4))
    kept = running_mean.copy(), running_var.copy()
    factor = np.array([2.0], np.float32)
    mean, var = np.empty(2, np.float32), np.empty(2, np.float32)
    ops.batch_norm_statistics(mean, var, running_mean, running_var, factor, x, 0.999, False)
    assert np.array_equal(running_mean, kept[0]) and np.array_equal(running_var, kept[1]) and factor[0] == 2
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2)), rtol=1e-5)
    ops.batch_norm_global(mean, var, running_mean, running_var, np.zeros(1, np.float32))
    assert not mean.any() and not var.any()  # a fresh layer (factor 0) normalizes by nothing


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("has_bias", [True, False])
def test_scale_forward_and_backward(shape, has_bias):
    x, dy, (gamma, beta) = inputs(shape, seed=3)
    out, dx = np.empty_like(x), np.empty_like(x)
    dgamma, dbeta = np.full(shape[1], 7, np.float32), np.full(shape[1], 7, np.float32)
    ops.scale_forward(out, x, gamma, beta, has_bias)
    ops.scale_backward(dx, dgamma, dbeta, dy, x, gamma, has_bias)
    g = gamma[None, :, None]
    np.testing.assert_allclose(out, x * g + (beta[None, :, None] if has_bias else 0), rtol=1e-6)
    np.testing.assert_allclose(dx, dy * g, rtol=1e-6)
    np.testing.assert_allclose(dgamma, (dy * x).sum(axis=(0, 2)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dbeta, dy.sum(axis=(0, 2)) if has_bias else 7, rtol=1e-4, atol=1e-5)
