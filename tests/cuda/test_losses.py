"""The loss ops on CUDA against their CPU twins (checked against Caffe's formulas in
tests/kernels/test_cpu_losses.py): more values than a block has threads, ignored targets, every
normalization."""

import numpy as np
from numba import cuda

from pyrpudl.kernels.cpu import losses as cpu
from pyrpudl.kernels.cuda import losses as gpu
from tests.cuda.conftest import assert_close, poisoned

N = 300


def values(seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(N) * 3).astype(np.float32), rng.random(N).astype(np.float32)


def test_euclidean_loss_matches_the_cpu():
    a, b = values(0)
    diff, loss = np.empty_like(a), np.empty(1, np.float32)
    cpu.euclidean_loss_forward(diff, loss, a, b, 6)
    d_diff, d_loss = poisoned(a.shape), poisoned((1,))
    gpu.euclidean_loss_forward(d_diff, d_loss, cuda.to_device(a), cuda.to_device(b), 6)
    assert_close(d_diff.copy_to_host(), diff)
    assert_close(d_loss.copy_to_host(), loss)


def test_sigmoid_cross_entropy_matches_the_cpu():
    """The normalizations that count forward (one launch each), the backward pass once (its divisor comes
    from the forward pass's)."""
    x, t = values(1)
    t[::7] = 5  # ignored
    d_x, d_t = cuda.to_device(x), cuda.to_device(t)
    for mode in (cpu.FULL, cpu.BATCH_SIZE, cpu.VALID):  # NONE is a constant 1
        loss, normalizer = np.empty(1, np.float32), np.empty(1, np.float32)
        cpu.sigmoid_cross_entropy_forward(loss, normalizer, x, t, 6, 5, True, mode)
        d_loss, d_normalizer = poisoned((1,)), poisoned((1,))
        gpu.sigmoid_cross_entropy_forward(d_loss, d_normalizer, d_x, d_t, 6, 5, True, mode)
        assert d_normalizer.copy_to_host()[0] == normalizer[0]
        assert_close(d_loss.copy_to_host(), loss)
    dx, d_dx = np.empty_like(x), poisoned(x.shape)
    cpu.sigmoid_cross_entropy_backward(dx, x, t, normalizer, 0.5, 5, True)
    gpu.sigmoid_cross_entropy_backward(d_dx, d_x, d_t, d_normalizer, 0.5, 5, True)
    assert_close(d_dx.copy_to_host(), dx)


def test_contrastive_loss_matches_the_cpu():
    """Both versions of the dissimilar pairs' cost, over pairs on both sides of the margin."""
    rng = np.random.default_rng(2)
    a, b = (
        (rng.standard_normal((40, 3)) * 0.7).astype(np.float32),
        (rng.standard_normal((40, 3)) * 0.7).astype(np.float32),
    )
    similar = (rng.random(40) < 0.3).astype(np.int32)
    d_a, d_b, d_similar = cuda.to_device(a), cuda.to_device(b), cuda.to_device(similar)
    for legacy in (False, True):
        diff, dist_sq, loss, dx = (
            np.empty_like(a),
            np.empty(40, np.float32),
            np.empty(1, np.float32),
            np.empty_like(a),
        )
        cpu.contrastive_loss_forward(diff, dist_sq, loss, a, b, similar, 1.5, legacy)
        cpu.contrastive_loss_backward(dx, diff, dist_sq, similar, -0.25, 1.5, legacy)
        d_diff, d_dist_sq, d_loss, d_dx = (
            poisoned(a.shape),
            poisoned((40,)),
            poisoned((1,)),
            poisoned(a.shape),
        )
        gpu.contrastive_loss_forward(d_diff, d_dist_sq, d_loss, d_a, d_b, d_similar, 1.5, legacy)
        gpu.contrastive_loss_backward(d_dx, d_diff, d_dist_sq, d_similar, -0.25, 1.5, legacy)
        assert_close(d_dist_sq.copy_to_host(), dist_sq)
        assert_close(d_loss.copy_to_host(), loss)
        assert_close(d_dx.copy_to_host(), dx)


def test_the_classifier_losses_match_the_cpu():
    """HingeLoss (L1 and L2), MultinomialLogisticLoss and InfogainLoss, forward and backward."""
    rng = np.random.default_rng(4)
    n, classes, positions = 6, 5, 3
    scores = (rng.standard_normal((n, classes)) * 1.5).astype(np.float32)
    labels = rng.integers(0, classes, n).astype(np.int32)
    d_scores, d_labels = cuda.to_device(scores), cuda.to_device(labels)
    for l2 in (False, True):
        margins, loss, dx = np.empty_like(scores), np.empty(1, np.float32), np.empty_like(scores)
        cpu.hinge_loss_forward(margins, loss, scores, labels, l2)
        cpu.hinge_loss_backward(dx, margins, labels, 0.5, l2)
        d_margins, d_loss, d_dx = poisoned(scores.shape), poisoned((1,)), poisoned(scores.shape)
        gpu.hinge_loss_forward(d_margins, d_loss, d_scores, d_labels, l2)
        gpu.hinge_loss_backward(d_dx, d_margins, d_labels, 0.5, l2)
        for out, ref in ((d_margins, margins), (d_loss, loss), (d_dx, dx)):
            assert_close(out.copy_to_host(), ref)
    prob = rng.dirichlet(np.ones(classes), n).astype(np.float32)
    loss, dx = np.empty(1, np.float32), np.empty_like(prob)
    cpu.multinomial_logistic_forward(loss, prob, labels)
    cpu.multinomial_logistic_backward(dx, prob, labels, 0.5)
    d_prob, d_loss, d_dx = cuda.to_device(prob), poisoned((1,)), poisoned(prob.shape)
    gpu.multinomial_logistic_forward(d_loss, d_prob, d_labels)
    gpu.multinomial_logistic_backward(d_dx, d_prob, d_labels, 0.5)
    assert_close(d_loss.copy_to_host(), loss)
    assert_close(d_dx.copy_to_host(), dx)
    prob = rng.dirichlet(np.ones(classes), (n, positions)).transpose(0, 2, 1).astype(np.float32).copy()
    spatial = rng.integers(0, classes, n * positions).astype(np.int32)
    spatial[::4] = 3  # ignored
    infogain = rng.random((classes, classes)).astype(np.float32)
    loss, normalizer, dx = np.empty(1, np.float32), np.empty(1, np.float32), np.empty_like(prob)
    cpu.infogain_loss_forward(loss, normalizer, prob, spatial, infogain, 3, True, cpu.VALID)
    cpu.infogain_loss_backward(dx, prob, spatial, infogain, normalizer, 0.5, 3, True)
    d_args = [cuda.to_device(a) for a in (prob, spatial, infogain)]
    d_loss, d_normalizer, d_dx = poisoned((1,)), poisoned((1,)), poisoned(prob.shape)
    gpu.infogain_loss_forward(d_loss, d_normalizer, *d_args, 3, True, cpu.VALID)
    gpu.infogain_loss_backward(d_dx, *d_args, d_normalizer, 0.5, 3, True)
    assert d_normalizer.copy_to_host()[0] == normalizer[0]
    assert_close(d_loss.copy_to_host(), loss)
    assert_close(d_dx.copy_to_host(), dx)
