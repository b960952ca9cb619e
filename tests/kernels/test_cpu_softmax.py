"""The CPU softmax ops against NumPy references written as the SoftmaxWithLoss / Accuracy / Softmax layers
computed them before the ops existed (Caffe's semantics)."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import softmax as cpu

NORMALIZATIONS = [0, 1, 2, 3]  # Caffe's FULL, VALID, BATCH_SIZE, NONE


def data(seed, n=5, c=4, s=3):
    rng = np.random.default_rng(seed)
    scores = (rng.standard_normal((n, c, s)) * 3).astype(np.float32)
    labels = rng.integers(0, c, n * s).astype(np.int32)
    return scores, labels


def numpy_softmax(x):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def numpy_softmax_backward(dy, y):
    return (dy - (dy * y).sum(axis=1, keepdims=True)) * y


def _keep(labels, n, s, ignore_label, has_ignore):
    codes = labels.reshape(n, s)
    return (codes != ignore_label) if has_ignore else np.ones_like(codes, bool)


def _normalizer(normalization, n, s, valid):
    return {0: n * s, 1: max(valid, 1), 2: n, 3: 1}[normalization]


def numpy_loss(scores, labels, ignore_label, has_ignore, normalization):
    """(prob, loss) as the layer computed them: FLT_MIN floor inside the log, ignored labels skipped."""
    n, _, s = scores.shape
    prob = numpy_softmax(scores)
    codes, keep = labels.reshape(n, s), _keep(labels, n, s, ignore_label, has_ignore)
    picked = np.take_along_axis(prob, np.where(keep, codes, 0)[:, None, :], axis=1)[:, 0]
    tiny = np.finfo(np.float32).tiny
    loss = -np.log(np.maximum(picked, tiny))[keep].sum() / _normalizer(normalization, n, s, keep.sum())
    return prob, loss


def numpy_loss_gradient(prob, labels, weight, ignore_label, has_ignore, normalization):
    n, _, s = prob.shape
    codes, keep = labels.reshape(n, s), _keep(labels, n, s, ignore_label, has_ignore)
    diff = np.array(prob, np.float64)
    index = np.where(keep, codes, 0)[:, None, :]
    np.put_along_axis(diff, index, np.take_along_axis(diff, index, axis=1) - 1, axis=1)
    return diff * keep[:, None, :] * weight / _normalizer(normalization, n, s, keep.sum())


def numpy_accuracy(scores, labels, top_k, ignore_label, has_ignore):
    n, _, s = scores.shape
    codes, keep = labels.reshape(n, s), _keep(labels, n, s, ignore_label, has_ignore)
    true = np.take_along_axis(scores, np.where(keep, codes, 0)[:, None, :], axis=1)
    better = (scores >= true).sum(axis=1) - 1  # a tie with the true class counts against it
    return ((better < top_k) & keep).sum() / max(int(keep.sum()), 1)


def relative_error(out, ref):
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    return np.linalg.norm(out - ref) / np.linalg.norm(ref)


@pytest.mark.parametrize("shape", [(5, 4, 1), (3, 6, 4), (40, 10, 7)])
def test_softmax_forward_and_backward(shape):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    y, dx = np.full(shape, np.nan, np.float32), np.full(shape, np.nan, np.float32)
    cpu.softmax_forward(y, x)
    assert relative_error(y, numpy_softmax(x)) < 1e-6
    cpu.softmax_backward(dx, dy, y)
    assert relative_error(dx, numpy_softmax_backward(dy.astype(np.float64), y.astype(np.float64))) < 1e-5


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("ignore", [None, "a label", "outside the classes"])
@pytest.mark.parametrize("s", [1, 3])
def test_the_loss_and_its_gradient(normalization, ignore, s):
    scores, labels = data(2, s=s)
    n, c, _ = scores.shape
    has_ignore = ignore is not None
    ignore_label = int(labels[0]) if ignore == "a label" else 255
    if ignore == "outside the classes":
        labels[::3] = 255  # must never be looked up
    prob, loss = np.full_like(scores, np.nan), np.full(1, np.nan, np.float32)
    cpu.softmax_loss_forward(prob, loss, scores, labels, ignore_label, has_ignore, normalization)
    want_prob, want_loss = numpy_loss(scores, labels, ignore_label, has_ignore, normalization)
    assert relative_error(prob, want_prob) < 1e-6
    assert relative_error(loss, [want_loss]) < 1e-6
    dx = np.full_like(scores, np.nan)
    cpu.softmax_loss_backward(dx, prob, labels, 0.7, ignore_label, has_ignore, normalization)
    want = numpy_loss_gradient(prob, labels, 0.7, ignore_label, has_ignore, normalization)
    assert relative_error(dx, want) < 1e-6
    if has_ignore:
        assert (dx.transpose(0, 2, 1).reshape(n * s, c)[labels == ignore_label] == 0).all()


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_every_label_ignored_gives_zero_loss_and_gradient(normalization):
    scores, labels = data(3)
    labels[:] = -1
    prob, loss, dx = np.empty_like(scores), np.full(1, np.nan, np.float32), np.full_like(scores, np.nan)
    cpu.softmax_loss_forward(prob, loss, scores, labels, -1, True, normalization)
    cpu.softmax_loss_backward(dx, prob, labels, 1.0, -1, True, normalization)
    assert loss[0] == 0
    assert (dx == 0).all()


def test_the_log_is_floored_at_flt_min():
    scores = np.array([[[-60.0], [60.0]]], np.float32)  # p(label 0) = e^-120: 0 in float32
    labels = np.zeros(1, np.int32)
    prob, loss = np.empty_like(scores), np.empty(1, np.float32)
    cpu.softmax_loss_forward(prob, loss, scores, labels, 0, False, 1)
    assert prob[0, 0, 0] == 0
    assert loss[0] == pytest.approx(-np.log(np.finfo(np.float32).tiny), rel=1e-6)  # 87.3365


@pytest.mark.parametrize("top_k", [1, 2, 3])
@pytest.mark.parametrize("s", [1, 2])
def test_accuracy_counts_a_tie_as_wrong(top_k, s):
    rng = np.random.default_rng(4)
    scores = rng.integers(0, 3, (30, 4, s)).astype(np.float32)  # small integers: many ties
    labels = rng.integers(0, 4, 30 * s).astype(np.int32)
    out = np.full(1, np.nan, np.float32)
    cpu.accuracy(out, scores, labels, top_k, 0, False)
    assert out[0] == pytest.approx(numpy_accuracy(scores, labels, top_k, 0, False))
    for ignore_label in (2, 255):
        cpu.accuracy(out, scores, labels, top_k, ignore_label, True)
        assert out[0] == pytest.approx(numpy_accuracy(scores, labels, top_k, ignore_label, True))
    tie = np.ones((1, 3, 1), np.float32)  # a three-way tie is wrong even for top 2
    cpu.accuracy(out, tie, np.ones(1, np.int32), 2, 0, False)
    assert out[0] == 0
    cpu.accuracy(out, tie, np.ones(1, np.int32), 3, 0, False)
    assert out[0] == 1


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_score_maps_take_the_per_image_path_and_agree_with_the_serial_one(normalization):
    """A segmentation's N·S positions (at least PARALLEL_POSITIONS) run per image in parallel."""
    scores, labels = data(4, n=4, s=1100)
    assert 4 * 1100 >= cpu.PARALLEL_POSITIONS
    labels[::7] = 255
    prob, loss = np.full_like(scores, np.nan), np.full(1, np.nan, np.float32)
    cpu.softmax_loss_forward(prob, loss, scores, labels, 255, True, normalization)
    serial_prob, serial_loss = np.full_like(scores, np.nan), np.full(1, np.nan, np.float32)
    cpu._softmax_loss_serial(serial_prob, serial_loss, scores, labels, 255, True, normalization)
    want_prob, want_loss = numpy_loss(scores, labels, 255, True, normalization)
    np.testing.assert_array_equal(prob, serial_prob)
    np.testing.assert_array_equal(loss, serial_loss)  # the same sums in the same order
    assert relative_error(loss, [want_loss]) < 1e-6
    assert relative_error(prob, want_prob) < 1e-6
