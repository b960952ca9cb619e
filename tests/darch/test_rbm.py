"""RBMs: one CD-k update against the slow reference, the momentum schedule, resuming, bad input."""

import numpy as np
import pytest

from pyrpudl import darch as dn
from pyrpudl.darch.rbm import batch_bounds
from pyrpudl.errors import InputError
from tests import reference as ref

QUIET = dn.DarchLog.make(False)


def small_rbm(visible_units="binary", seed=3):
    rbm = dn.new_rbm(5, 3, batch_size=4, seed=seed)
    rbm.visible_biases[:] = [0.1, -0.2, 0.0, 0.3, 0.05]
    rbm.hidden_biases[:] = [-0.1, 0.2, 0.0]
    rbm.visible_units = visible_units
    return rbm


@pytest.mark.parametrize("visible_units", ["binary", "gaussian"])
@pytest.mark.parametrize("num_cd", [1, 3])
def test_one_cd_k_update_equals_the_reference(visible_units, num_cd):
    rbm = small_rbm(visible_units)
    v0 = np.random.default_rng(1).random((4, 5))
    zeros = [np.zeros_like(a) for a in (rbm.weights, rbm.visible_biases, rbm.hidden_biases)]
    draws = [ref.uniforms((rbm.seed, rbm.layer, d), (4, 3)) for d in range(num_cd)]
    expected, error = ref.cd_k_step(rbm.weights, rbm.visible_biases, rbm.hidden_biases, *zeros, v0, num_cd,
                                    0.1, 0.5, 0.0002, draws, visible_units == "gaussian")  # fmt: skip
    outcome = dn.train_rbm(rbm, v0, max_epoch=1, num_cd=num_cd, log=QUIET)
    got = outcome.rbm
    for value, want in zip(
        (got.weights, got.visible_biases, got.hidden_biases, got.weight_inc), expected, strict=False
    ):
        np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-14)
    assert got.errors == pytest.approx([error], rel=1e-12)
    assert got.draws == num_cd and got.epochs == 1
    assert rbm.epochs == 0 and rbm.weight_inc is None  # the RBM given is unchanged


def test_momentum_switches_after_the_fifth_epoch():
    rbm = small_rbm()
    assert [rbm.momentum(e) for e in (1, 5, 6, 100)] == [0.5, 0.5, 0.9, 0.9]


def test_split_training_equals_one_run_and_single_precision_is_close():
    data = (np.random.default_rng(2).random((10, 5)) > 0.5).astype(float)
    whole = dn.train_rbm(small_rbm(), data, 8, log=QUIET).rbm
    half = dn.train_rbm(small_rbm(), data, 3, log=QUIET).rbm
    rest = dn.train_rbm(half, data, 5, log=QUIET).rbm
    np.testing.assert_array_equal(rest.weights, whole.weights)
    assert rest.errors == whole.errors
    single = small_rbm()
    single.weights, single.visible_biases, single.hidden_biases = (
        a.astype(np.float32) for a in (single.weights, single.visible_biases, single.hidden_biases)
    )
    f32 = dn.train_rbm(single, data, 8, log=QUIET).rbm
    assert f32.weights.dtype == np.float32
    np.testing.assert_allclose(f32.weights, whole.weights, atol=1e-4)


def test_training_lowers_the_reconstruction_error_and_logs_darch_lines():
    data = np.repeat(np.eye(5), 4, axis=0)
    lines = []
    rbm = dn.new_rbm(5, 4, batch_size=5, seed=0)
    trained = dn.train_rbm(rbm, data, 60, log=dn.DarchLog.make(lines.append)).rbm
    assert trained.errors[-1] < 0.5 * trained.errors[0]
    assert lines[0].endswith("Starting the training of the rbm with 5 visible and 4 hidden units.")
    assert lines[1].startswith("INFO [") and "] Epoch 1 error: " in lines[1]
    assert len(lines) == 61


def test_batches_are_contiguous_and_a_batch_larger_than_the_data_is_one_batch():
    assert batch_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]
    assert batch_bounds(3, 10) == [(0, 3)]
    with pytest.raises(InputError, match="at least 1"):
        batch_bounds(3, 0)


def test_bad_training_data_is_explained():
    rbm = small_rbm()
    with pytest.raises(InputError, match="4 columns but the network's first layer has 5 units"):
        dn.train_rbm(rbm, np.zeros((3, 4)), log=QUIET)
    with pytest.raises(InputError, match="NA, NaN or infinite"):
        dn.train_rbm(rbm, np.full((3, 5), np.nan), log=QUIET)
    with pytest.raises(InputError, match="numeric"):
        dn.train_rbm(rbm, np.array([["a"] * 5]), log=QUIET)


def test_a_non_finite_error_keeps_the_last_good_epoch():
    rbm = small_rbm("gaussian")
    rbm.learn_rate_weights = 1e6  # Gaussian units with this rate diverge
    outcome = dn.train_rbm(rbm, np.random.default_rng(0).normal(size=(8, 5)) * 100, 50, log=QUIET)
    assert outcome.stopped == "not finite"
    assert np.all(np.isfinite(outcome.rbm.weights))
    assert outcome.rbm.epochs == outcome.epochs_done == len(outcome.rbm.errors)
