"""Softmax, SoftmaxWithLoss and Accuracy: each CUDA op against its CPU twin, and the CPU twin against the
NumPy reference of tests/kernels/test_cpu_softmax.py."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import softmax as cpu
from pyrpudl.kernels.cuda import softmax as gpu
from tests.cuda.conftest import assert_close, poisoned
from tests.kernels.test_cpu_softmax import (
    data,
    numpy_accuracy,
    numpy_loss,
    numpy_loss_gradient,
    numpy_softmax,
    numpy_softmax_backward,
)


@pytest.mark.parametrize("shape", [(3, 4, 1), (2, 3, 5)])
def test_softmax_forward_and_backward(shape):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    y, dx = np.empty_like(x), np.empty_like(x)
    cpu.softmax_forward(y, x)
    cpu.softmax_backward(dx, dy, y)
    assert_close(y, numpy_softmax(x))
    assert_close(dx, numpy_softmax_backward(dy.astype(np.float64), y.astype(np.float64)))
    d_y, d_dx = poisoned(shape), poisoned(shape)
    gpu.softmax_forward(d_y, cuda.to_device(x))
    gpu.softmax_backward(d_dx, cuda.to_device(dy), cuda.to_device(y))
    assert_close(d_y.copy_to_host(), y)
    assert_close(d_dx.copy_to_host(), dx)


# (normalization, ignore, S): every mode; ignore_label absent, a real class or outside the classes; S = 1, > 1
CASES = [
    (0, None, 3),
    (1, None, 1),
    (1, "a label", 3),
    (1, "outside", 1),
    (2, "a label", 1),
    (3, "outside", 3),
]


@pytest.mark.parametrize(("normalization", "ignore", "s"), CASES)
def test_the_loss_and_its_gradient(normalization, ignore, s):
    scores, labels = data(2, n=4, c=5, s=s)
    has_ignore = ignore is not None
    ignore_label = int(labels[0]) if ignore == "a label" else 255
    if ignore == "outside":
        labels[::3] = 255  # never looked up
    prob, loss, dx = np.empty_like(scores), np.empty(1, np.float32), np.empty_like(scores)
    cpu.softmax_loss_forward(prob, loss, scores, labels, ignore_label, has_ignore, normalization)
    cpu.softmax_loss_backward(dx, prob, labels, 0.7, ignore_label, has_ignore, normalization)
    want_prob, want_loss = numpy_loss(scores, labels, ignore_label, has_ignore, normalization)
    assert_close(prob, want_prob)
    assert_close(loss, [want_loss])
    assert_close(dx, numpy_loss_gradient(prob, labels, 0.7, ignore_label, has_ignore, normalization))

    d_prob, d_loss, d_dx = poisoned(scores.shape), poisoned((1,)), poisoned(scores.shape)
    d_labels = cuda.to_device(labels)
    gpu.softmax_loss_forward(
        d_prob, d_loss, cuda.to_device(scores), d_labels, ignore_label, has_ignore, normalization
    )
    gpu.softmax_loss_backward(d_dx, d_prob, d_labels, 0.7, ignore_label, has_ignore, normalization)
    assert_close(d_prob.copy_to_host(), prob)
    assert_close(d_loss.copy_to_host(), loss)
    assert_close(d_dx.copy_to_host(), dx)


def test_the_log_floor_and_a_batch_without_valid_labels():
    scores = np.array([[[-60.0, 1.0], [60.0, 2.0]]], np.float32)  # p(label 0) at s = 0 underflows to 0
    labels = np.array([0, 1], np.int32)
    d_prob, d_loss = poisoned(scores.shape), poisoned((1,))
    gpu.softmax_loss_forward(d_prob, d_loss, cuda.to_device(scores), cuda.to_device(labels), 0, False, 3)
    prob, loss = np.empty_like(scores), np.empty(1, np.float32)
    cpu.softmax_loss_forward(prob, loss, scores, labels, 0, False, 3)
    assert np.isfinite(loss[0]) and loss[0] > 87
    assert_close(d_loss.copy_to_host(), loss)
    d_dx = poisoned(scores.shape)
    gpu.softmax_loss_forward(d_prob, d_loss, cuda.to_device(scores), cuda.to_device(labels), 1, True, 1)
    gpu.softmax_loss_backward(d_dx, d_prob, cuda.to_device(labels), 1.0, 1, True, 1)
    cpu.softmax_loss_forward(prob, loss, scores, labels, 1, True, 1)
    assert_close(d_loss.copy_to_host(), loss)
    labels[:] = 1  # every label ignored: loss 0, gradient 0, nothing divided by zero
    gpu.softmax_loss_forward(d_prob, d_loss, cuda.to_device(scores), cuda.to_device(labels), 1, True, 1)
    gpu.softmax_loss_backward(d_dx, d_prob, cuda.to_device(labels), 1.0, 1, True, 1)
    assert d_loss.copy_to_host()[0] == 0
    assert (d_dx.copy_to_host() == 0).all()


@pytest.mark.parametrize(("top_k", "s"), [(1, 1), (2, 2)])
def test_accuracy_counts_a_tie_as_wrong(top_k, s):
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 3, (6, 3, s)).astype(np.float32)  # small integers: many ties
    labels = rng.integers(0, 3, 6 * s).astype(np.int32)
    d_scores, d_labels = cuda.to_device(scores), cuda.to_device(labels)
    out, d_out = np.empty(1, np.float32), poisoned((1,))
    for ignore_label, has_ignore in ((0, False), (int(labels[1]), True)):
        cpu.accuracy(out, scores, labels, top_k, ignore_label, has_ignore)
        assert out[0] == pytest.approx(numpy_accuracy(scores, labels, top_k, ignore_label, has_ignore))
        gpu.accuracy(d_out, d_scores, d_labels, top_k, ignore_label, has_ignore)
        assert d_out.copy_to_host()[0] == pytest.approx(out[0], abs=1e-7)


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(100, 10, 1), (8, 21, 900)])
def test_real_sizes(shape):
    n, c, s = shape
    rng = np.random.default_rng(6)
    scores = (rng.standard_normal(shape) * 3).astype(np.float32)
    labels = rng.integers(0, c, n * s).astype(np.int32)
    labels[::7] = 255
    prob, loss, dx = np.empty_like(scores), np.empty(1, np.float32), np.empty_like(scores)
    cpu.softmax_loss_forward(prob, loss, scores, labels, 255, True, 1)
    cpu.softmax_loss_backward(dx, prob, labels, 1.0, 255, True, 1)
    acc = np.empty(1, np.float32)
    cpu.accuracy(acc, scores, labels, 1, 255, True)
    d_scores, d_labels = cuda.to_device(scores), cuda.to_device(labels)
    d_prob, d_loss, d_dx, d_acc = poisoned(shape), poisoned((1,)), poisoned(shape), poisoned((1,))
    gpu.softmax_loss_forward(d_prob, d_loss, d_scores, d_labels, 255, True, 1)
    gpu.softmax_loss_backward(d_dx, d_prob, d_labels, 1.0, 255, True, 1)
    gpu.accuracy(d_acc, d_scores, d_labels, 1, 255, True)
    assert_close(d_prob.copy_to_host(), prob)
    assert_close(d_loss.copy_to_host(), loss)
    assert_close(d_dx.copy_to_host(), dx)
    assert_close(d_acc.copy_to_host(), acc)
    y, d_y = np.empty_like(scores), poisoned(shape)
    cpu.softmax_forward(y, scores)
    gpu.softmax_forward(d_y, d_scores)
    assert_close(d_y.copy_to_host(), y)
