"""The fused darch kernels against NumPy, in both precisions, on the serial and the parallel path."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import rbm as k
from tests.reference import sigmoid, uniforms

SHAPES = [(3, 5), (600, 500)]  # below and above PARALLEL_MIN


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_and_bias(dtype, shape):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 5).astype(dtype)
    bias = rng.standard_normal(shape[1]).astype(dtype)
    out = np.full_like(a, np.nan)
    k.sigmoid_bias(out, a, bias)
    tolerance = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(out, sigmoid(a.astype(np.float64) + bias), rtol=tolerance, atol=tolerance)
    k.add_bias(out, a, bias)
    np.testing.assert_array_equal(out, a + bias)


def test_float32_sigmoid_saturates_without_overflow_and_keeps_nan():
    """The float32 path takes NumPy's exp of capped negated logits: no overflow (NumPy would warn),
    the right limits, and a NaN stays a NaN (training's guard looks for it)."""
    a = np.array([[np.nan, -200.0, -88.0, 0.0, 88.0, 200.0]], np.float32)  # exp(200) overflows float32
    out = np.empty_like(a)
    with np.errstate(all="raise"):
        k.sigmoid_bias(out, a, np.zeros(a.shape[1], np.float32))
    assert np.isnan(out[0, 0])
    np.testing.assert_allclose(out[0, 1:], sigmoid(a[0, 1:].astype(np.float64)), rtol=1e-6, atol=1e-38)
    k.sigmoid_bias(a, a, np.ones(a.shape[1], np.float32))  # in place
    np.testing.assert_allclose(a[0, 1:], sigmoid(np.array([-199, -87, 1, 89, 201.0])), rtol=1e-6, atol=1e-38)


@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_in_place(shape):
    """out may be a (the vectorized path then runs loops written for one array)."""
    rng = np.random.default_rng(6)
    a = (rng.standard_normal(shape) * 5).astype(np.float32)
    bias = rng.standard_normal(shape[1]).astype(np.float32)
    want = np.empty_like(a)
    k.sigmoid_bias(want, a, bias)
    in_place = a.copy()
    k.sigmoid_bias(in_place, in_place, bias)
    np.testing.assert_array_equal(in_place, want)
    probs, states = a.copy(), np.empty_like(a)
    k.sigmoid_bias_sample(probs, states, probs, bias, 7, 2, 3)
    np.testing.assert_array_equal(probs, want)
    np.testing.assert_array_equal(states, (uniforms((7, 2, 3), a.shape) < want).astype(np.float32))


def test_float32_sigmoid_paths_agree():
    rng = np.random.default_rng(5)
    a = (rng.standard_normal((100, 500)) * 5).astype(np.float32)
    bias = rng.standard_normal(500).astype(np.float32)
    three_pass, fused = np.empty_like(a), np.empty_like(a)
    k.sigmoid_bias(three_pass, a, bias)
    k._sigmoid_bias_fused(fused, a, bias)
    np.testing.assert_allclose(three_pass, fused, rtol=3e-7, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_samples_follow_the_counter_based_hash(dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 6)).astype(dtype)
    bias = np.zeros(6, dtype)
    probs, states = np.empty_like(a), np.empty_like(a)
    k.sigmoid_bias_sample(probs, states, a, bias, 7, 2, 3)
    expected = (uniforms((7, 2, 3), a.shape) < probs).astype(dtype)
    np.testing.assert_array_equal(states, expected)
    again = np.array(probs)
    k.sample_bernoulli(again, again, 7, 2, 3)  # in place, from the same probabilities
    np.testing.assert_array_equal(again, expected)


def test_sample_rate_matches_the_probability_on_a_large_matrix():
    probs = np.full((600, 500), 0.3)
    states = np.empty_like(probs)
    k.sample_bernoulli(states, probs, 1, 2, 3)
    assert set(np.unique(states)) == {0.0, 1.0}
    assert states.mean() == pytest.approx(0.3, abs=0.005)
    other = np.empty_like(probs)
    k.sample_bernoulli(other, probs, 1, 2, 4)  # another draw, other states
    assert np.mean(states != other) > 0.3


@pytest.mark.parametrize("shape", SHAPES)
def test_momentum_step_and_squared_error(shape):
    rng = np.random.default_rng(2)
    w, inc, g = (rng.standard_normal(shape) for _ in range(3))
    want_inc = 0.5 * inc + 0.1 * (g - 0.01 * w)
    want_w = w + want_inc
    k.momentum_step(w, inc, g, 0.1, 0.5, 0.01)
    np.testing.assert_allclose(inc, want_inc, rtol=1e-14)
    np.testing.assert_allclose(w, want_w, rtol=1e-14)
    errors = np.zeros(3)
    k.squared_error(errors, 1, w, g)
    assert errors[1] == pytest.approx(np.sum((w - g) ** 2), rel=1e-12) and errors[0] == errors[2] == 0
    k.scale(inc, w, -2.0)
    np.testing.assert_array_equal(inc, -2 * w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_step(dtype):
    rng = np.random.default_rng(3)
    pos, neg = (rng.random((7, 4)).astype(dtype) for _ in range(2))
    bias, inc = rng.random(4).astype(dtype), rng.random(4).astype(dtype)
    want_inc = 0.9 * inc + 0.05 * (pos.sum(0) - neg.sum(0))
    want_bias = bias + want_inc
    k.bias_step(bias, inc, pos, neg, 0.05, 0.9)
    tolerance = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(inc, want_inc, rtol=tolerance)
    np.testing.assert_allclose(bias, want_bias, rtol=tolerance)


def test_the_counted_batch_ops_read_the_batch_from_the_counters():
    """batch_rows, sigmoid_bias_sample_at, squared_error_at and next_batch: the plain ops, with the
    batch index and the draw counter read from arrays (what lets CUDA replay a recorded batch)."""
    rng = np.random.default_rng(4)
    data = rng.random((7, 5)).astype(np.float32)
    state, counter = np.array([2], np.int32), np.array([41], np.int64)
    rows = np.full((3, 5), np.nan, np.float32)
    last = np.full((1, 5), np.nan, np.float32)  # the epoch's last, shorter batch: rows 6 on
    k.batch_rows(last, data, state, 3)
    np.testing.assert_array_equal(last, data[6:7])
    k.batch_rows(rows, data, np.array([1], np.int32), 3)
    np.testing.assert_array_equal(rows, data[3:6])

    bias = rng.standard_normal(5).astype(np.float32)
    want_p, want_s, got_p, got_s = (np.empty_like(rows) for _ in range(4))
    k.sigmoid_bias_sample(want_p, want_s, rows, bias, 7, 1, 41 + 3)
    k.sigmoid_bias_sample_at(got_p, got_s, rows, bias, 7, 1, counter, 3)
    np.testing.assert_array_equal(got_p, want_p)
    np.testing.assert_array_equal(got_s, want_s)

    errors = np.zeros(3)
    k.squared_error_at(errors, state, rows, data[:3])
    assert errors[2] == pytest.approx(np.sum((rows.astype(np.float64) - data[:3]) ** 2), rel=1e-12)
    assert errors[0] == errors[1] == 0

    k.next_batch(state, counter, 2)
    assert (state[0], counter[0]) == (3, 43)
