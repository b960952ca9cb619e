"""The CPU LRN ops against tests/reference.py (forward), the LRN layer's former NumPy backward, and a
finite-difference derivative of the reference forward in float64."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import lrn
from tests import reference


def channel_window_sum(values, before, after, size):
    """out[:, c] = sum of values[:, c - before .. c + after] (clipped): the layer's former helper."""
    padded = np.pad(values, [(0, 0), (before, after), (0, 0), (0, 0)])
    return sum(padded[:, offset : offset + values.shape[1]] for offset in range(size))


def across_scale(x, size, alpha, k):
    pre = (size - 1) // 2
    return k + alpha / size * channel_window_sum(x * x, pre, size - pre - 1, size)


def across_backward(dy, x, y, scale, size, alpha, beta):
    pre = (size - 1) // 2
    gathered = channel_window_sum(dy * y / scale, size - pre - 1, pre, size)
    return dy * scale**-beta - (2 * alpha * beta / size) * x * gathered


def within_scale(x, size, alpha):
    pre = (size - 1) // 2
    return 1 + alpha * reference.pool2d(x * x, (size, size), (pre, pre), (1, 1), x.shape[2:], "AVE")


def within_backward(dy, x, scale, size, alpha, beta):
    """The layer's former math: AVE-pool backward (each window spreads its value over its pixels, divided
    by Caffe's divisor) of dy·x·(-beta)·alpha·scale^(-beta-1), times 2x, plus dy·scale^-beta."""
    height, width = x.shape[2:]
    pad = (size - 1) // 2
    through = dy * x * (-beta) * scale ** (-beta - 1) * alpha
    pooled = np.zeros_like(through)
    for a in range(height):
        for b in range(width):
            ys, xs = a - pad, b - pad
            ye, xe = min(ys + size, height + pad), min(xs + size, width + pad)
            share = through[:, :, a, b] / ((ye - ys) * (xe - xs))
            pooled[:, :, max(ys, 0) : min(ye, height), max(xs, 0) : min(xe, width)] += share[:, :, None, None]
    return dy * scale**-beta + pooled * 2 * x


def relative_error(out, ref):
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    return np.linalg.norm(out - ref) / np.linalg.norm(ref)


def directional_derivative(forward, x, dy, v, step=1e-5):
    """d/dt Σ dy · forward(x + t·v) at t = 0, by central differences in float64."""
    return ((dy * forward(x + step * v)).sum() - (dy * forward(x - step * v)).sum()) / (2 * step)


def inputs(shape, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (3, 3, 2, 2), (16, 32, 8, 8)])
def test_lrn_across_channels(size, shape):
    x, dy, v = inputs(shape, size)
    alpha, beta, k = 0.3, 0.75, 1.5
    out, scale, dx = (np.full(shape, np.nan, np.float32) for _ in range(3))
    lrn.lrn_across_forward(out, scale, x, size, alpha, beta, k)
    x64 = x.astype(np.float64)
    assert relative_error(out, reference.lrn_across_channels(x64, size, alpha, beta, k)) < 1e-5
    assert relative_error(scale, across_scale(x64, size, alpha, k)) < 1e-5
    lrn.lrn_across_backward(dx, dy, x, out, scale, size, alpha, beta)
    want = across_backward(dy.astype(np.float64), x64, out.astype(np.float64), scale, size, alpha, beta)
    assert relative_error(dx, want) < 1e-5
    if shape[0] <= 3:
        forward = lambda z: reference.lrn_across_channels(z, size, alpha, beta, k)  # noqa: E731
        numeric = directional_derivative(forward, x64, dy, v)
        assert abs((dx * v).sum(dtype=np.float64) - numeric) < 1e-4 * max(1, abs(numeric))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("shape", [(2, 2, 5, 4), (1, 3, 3, 6), (8, 16, 12, 12)])
def test_lrn_within_channel(size, shape):
    x, dy, v = inputs(shape, 10 + size)
    alpha, beta = 0.4, 0.75
    out, scale, dx = (np.full(shape, np.nan, np.float32) for _ in range(3))
    lrn.lrn_within_forward(out, scale, x, size, alpha, beta)
    x64 = x.astype(np.float64)
    assert relative_error(out, reference.lrn_within_channel(x64, size, alpha, beta)) < 1e-5
    assert relative_error(scale, within_scale(x64, size, alpha)) < 1e-5
    lrn.lrn_within_backward(dx, dy, x, scale, size, alpha, beta)
    assert relative_error(dx, within_backward(dy.astype(np.float64), x64, scale, size, alpha, beta)) < 1e-5
    if shape[0] <= 2:
        forward = lambda z: reference.lrn_within_channel(z, size, alpha, beta)  # noqa: E731
        numeric = directional_derivative(forward, x64, dy, v)
        assert abs((dx * v).sum(dtype=np.float64) - numeric) < 1e-4 * max(1, abs(numeric))
