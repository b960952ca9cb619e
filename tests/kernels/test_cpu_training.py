import numpy as np

from pyrpudl.kernels.cpu.sgd import sgd_update
from pyrpudl.kernels.cpu.training import (
    add_cost,
    next_step,
    record_step,
    scheduled_solver_update,
    select_batch,
)
from pyrpudl.kernels.cpu.transform import transform_batch
from tests import reference


def test_the_batch_is_the_indexed_rows_transformed_with_their_labels():
    rng = np.random.default_rng(0)
    dataset = rng.integers(0, 256, (30, 12), dtype=np.uint8)
    labels = rng.integers(0, 10, 30).astype(np.int32)
    index = np.array([29, 0, 7, 7, 13], np.int32)
    mean = rng.uniform(0, 255, 12).astype(np.float32)
    out, labels_out = np.full((5, 12), np.nan, np.float32), np.full(5, -1, np.int32)
    transform_batch(out, labels_out, dataset, labels, index, mean, np.float32(0.5))
    np.testing.assert_allclose(out, reference.transform_u8(dataset[index], mean, 0.5), rtol=1e-6)
    np.testing.assert_array_equal(labels_out, labels[index])


def test_the_step_counter_picks_the_batch_and_advances():
    chunk = np.arange(12, dtype=np.int32) * 10
    batch, state = np.full(4, -1, np.int32), np.array([2], np.int32)
    select_batch(batch, chunk, state)
    np.testing.assert_array_equal(batch, [80, 90, 100, 110])
    next_step(state)
    assert state[0] == 3


def test_a_step_records_its_weighted_cost_and_the_share_of_first_maxima_on_the_label():
    scores = np.array([[0.1, 0.9, 0.0], [2.0, 2.0, 1.0], [0.0, 0.0, 3.0], [1.0, 0.0, 0.0]], np.float32)
    labels = np.array([1, 1, 2, 0], np.int32)  # row 2 ties: the first maximum (class 0) is the guess
    costs, accuracies = np.full(3, np.nan, np.float32), np.full(3, np.nan, np.float32)
    state = np.array([1], np.int32)
    record_step(costs, accuracies, state, np.array([0.8], np.float32), np.float32(2.0), scores, labels)
    add_cost(costs, state, np.array([0.25], np.float32), np.float32(4.0))
    assert costs[1] == np.float32(2.6)
    assert accuracies[1] == 0.75
    assert np.isnan(costs[0]) and np.isnan(costs[2])


def test_the_scheduled_update_uses_the_rate_of_its_slot():
    rng = np.random.default_rng(4)
    data, history, diff = (rng.standard_normal(50).astype(np.float32) for _ in range(3))
    ones = np.ones(50, np.float32)
    want_data, want_history = data.copy(), history.copy()
    sgd_update(
        want_data, want_history, diff, ones, ones, np.float32(0.3), np.float32(0.9), np.float32(0.01), False
    )
    rates, state = np.array([0.1, 0.2, 0.3], np.float32), np.array([2], np.int32)
    history2 = np.zeros(50, np.float32)
    hyper = (0, 0.9, 0.999, 0.99, 1e-8, 0.01, False)  # SGD
    scheduled_solver_update(data, history, history2, diff, ones, ones, rates, state, *hyper)
    np.testing.assert_array_equal(data, want_data)
    np.testing.assert_array_equal(history, want_history)
