"""The trainer's own ops (batch slicing and transform, step bookkeeping): CUDA against the CPU."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import training as cpu_training
from pyrpudl.kernels.cpu import transform as cpu_transform
from pyrpudl.kernels.cuda import training as cuda_training
from pyrpudl.kernels.cuda import transform as cuda_transform
from tests.cuda.conftest import assert_close, poisoned


def test_transform_batch_matches_the_cpu():
    rng = np.random.default_rng(1)
    dataset = rng.integers(0, 256, (20, 7), dtype=np.uint8)
    labels = rng.integers(0, 10, 20).astype(np.int32)
    index = rng.integers(0, 20, 6).astype(np.int32)
    mean = rng.uniform(0, 255, 7).astype(np.float32)
    want, want_labels = np.empty((6, 7), np.float32), np.empty(6, np.int32)
    cpu_transform.transform_batch(want, want_labels, dataset, labels, index, mean, np.float32(0.25))
    out, out_labels = poisoned((6, 7)), poisoned((6,), np.int32)
    cuda_transform.transform_batch(
        out, out_labels, *map(cuda.to_device, (dataset, labels, index, mean)), 0.25
    )
    assert_close(out.copy_to_host(), want)
    np.testing.assert_array_equal(out_labels.copy_to_host(), want_labels)


def test_a_float_dataset_and_its_target_rows_match_the_cpu():
    """HDF5 data: float32 examples through transform_batch, and their targets' rows gathered."""
    rng = np.random.default_rng(4)
    dataset = rng.standard_normal((9, 5)).astype(np.float32)
    targets = rng.standard_normal((9, 3)).astype(np.float32)
    labels = np.zeros(9, np.int32)
    index = np.array([8, 0, 3, 3], np.int32)
    zeros = np.zeros(5, np.float32)
    want, want_targets = np.empty((4, 5), np.float32), np.empty((4, 3), np.float32)
    cpu_transform.transform_batch(want, np.empty(4, np.int32), dataset, labels, index, zeros, np.float32(1))
    cpu_transform.gather_rows(want_targets, targets, index)
    np.testing.assert_array_equal(want, dataset[index])  # the CPU op against plain indexing
    np.testing.assert_array_equal(want_targets, targets[index])
    out, out_targets, device_index = poisoned((4, 5)), poisoned((4, 3)), cuda.to_device(index)
    device = [cuda.to_device(a) for a in (dataset, labels)]
    cuda_transform.transform_batch(
        out, poisoned((4,), np.int32), *device, device_index, cuda.to_device(zeros), 1.0
    )
    cuda_transform.gather_rows(out_targets, cuda.to_device(targets), device_index)
    assert_close(out.copy_to_host(), want)
    assert_close(out_targets.copy_to_host(), want_targets)


def test_transform_u8_matches_the_cpu():
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, (3, 9), dtype=np.uint8)
    mean = rng.uniform(0, 255, 9).astype(np.float32)
    want = np.empty((3, 9), np.float32)
    cpu_transform.transform_u8(want, pixels, mean, np.float32(1.5))
    out = poisoned((3, 9))
    cuda_transform.transform_u8(out, cuda.to_device(pixels), cuda.to_device(mean), 1.5)
    assert_close(out.copy_to_host(), want)


def test_select_batch_and_next_step_match_the_cpu():
    chunk = np.random.default_rng(5).integers(0, 1000, 15).astype(np.int32)
    state = np.array([2], np.int32)
    want = np.empty(5, np.int32)
    cpu_training.select_batch(want, chunk, state)
    out, d_state = poisoned((5,), np.int32), cuda.to_device(state)
    cuda_training.select_batch(out, cuda.to_device(chunk), d_state)
    np.testing.assert_array_equal(out.copy_to_host(), want)
    cuda_training.next_step(d_state)
    assert d_state.copy_to_host()[0] == 3


def test_record_step_and_add_cost_match_the_cpu():
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((9, 4)).astype(np.float32)
    scores[0, 1] = scores[0, 2] = 5  # a tie: the first maximum counts
    labels = rng.integers(0, 4, 9).astype(np.int32)
    loss, extra, state = np.array([1.25], np.float32), np.array([0.5], np.float32), np.array([2], np.int32)
    costs, accuracies = np.zeros(4, np.float32), np.zeros(4, np.float32)
    cpu_training.record_step(costs, accuracies, state, loss, np.float32(1.0), scores, labels)
    cpu_training.add_cost(costs, state, extra, np.float32(3.0))
    d_costs, d_accuracies = cuda.to_device(np.zeros(4, np.float32)), cuda.to_device(np.zeros(4, np.float32))
    d_state = cuda.to_device(state)
    cuda_training.record_step(d_costs, d_accuracies, d_state, cuda.to_device(loss), 1.0,
                              *map(cuda.to_device, (scores, labels)))  # fmt: skip
    cuda_training.add_cost(d_costs, d_state, cuda.to_device(extra), 3.0)
    np.testing.assert_allclose(d_costs.copy_to_host(), costs, rtol=1e-6)
    np.testing.assert_allclose(d_accuracies.copy_to_host(), accuracies, rtol=1e-6)
    # a net without class scores: its cost, and NaN for the accuracy
    cpu_training.record_cost(costs, accuracies, state, extra, np.float32(2.0))
    cuda_training.record_cost(d_costs, d_accuracies, d_state, cuda.to_device(extra), 2.0)
    np.testing.assert_allclose(d_costs.copy_to_host(), costs, rtol=1e-6)
    assert costs[2] == 1.0 and np.isnan(accuracies[2]) and np.isnan(d_accuracies.copy_to_host()[2])


@pytest.mark.parametrize("kind", [0, 5])  # SGD, Adam (tests/cuda/test_sgd.py has every type)
@pytest.mark.parametrize("l1", [False, True])
def test_the_scheduled_update_matches_the_cpu(l1, kind):
    rng = np.random.default_rng(6)
    n = 300
    data, history, diff = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    history2 = rng.uniform(0, 1, n).astype(np.float32)
    lr_mult = rng.choice([1.0, 2.0], n).astype(np.float32)
    decay_mult = rng.choice([0.0, 1.0], n).astype(np.float32)
    rates, state = np.array([0.01, 0.02], np.float32), np.array([1], np.int32)
    device = [cuda.to_device(a) for a in (data, history, history2, diff, lr_mult, decay_mult, rates, state)]
    hyper = (kind, 0.9, 0.999, 0.99, 1e-8, 0.004, l1)
    host = (data, history, history2, diff, lr_mult, decay_mult, rates, state)
    cpu_training.scheduled_solver_update(*host, *hyper)
    cuda_training.scheduled_solver_update(*device, *hyper)
    assert_close(device[0].copy_to_host(), data, 1e-6)
    assert_close(device[1].copy_to_host(), history, 1e-6)
    assert_close(device[2].copy_to_host(), history2, 1e-6)


@pytest.mark.parametrize("crop", [3, 0])
def test_transform_crop_batch_matches_the_cpu(crop):
    from tests.kernels.test_cpu_transform import SHAPE, crop_case

    dataset, labels, mean, index, offsets, window = crop_case(crop, seed=3)
    state = np.array([1], np.int32)
    size = SHAPE[0] * window[0] * window[1]
    want, want_labels = np.empty((3, size), np.float32), np.empty(3, np.int32)
    cpu_transform.transform_crop_batch(want, want_labels, dataset, labels, index, offsets, state,
                                       mean.ravel(), np.float32(0.25), *SHAPE, *window)  # fmt: skip
    out, out_labels = poisoned((3, size)), poisoned((3,), np.int32)
    arrays = map(cuda.to_device, (dataset, labels, index, offsets, state, mean.ravel()))
    cuda_transform.transform_crop_batch(out, out_labels, *arrays, 0.25, *SHAPE, *window)
    assert_close(out.copy_to_host(), want)
    np.testing.assert_array_equal(out_labels.copy_to_host(), want_labels)


@pytest.mark.gpu
def test_transform_crop_batch_at_cifar_size_matches_the_cpu():
    rng = np.random.default_rng(4)
    shape, crop, batch = (3, 32, 32), 28, 100
    dataset = rng.integers(0, 256, (500, np.prod(shape)), dtype=np.uint8)
    labels = rng.integers(0, 10, 500).astype(np.int32)
    index = rng.integers(0, 500, 3 * batch).astype(np.int32)
    offsets = np.stack([rng.integers(0, 5, 3 * batch), rng.integers(0, 5, 3 * batch),
                        rng.integers(0, 2, 3 * batch)], axis=1).astype(np.int32)  # fmt: skip
    mean = rng.uniform(0, 255, np.prod(shape)).astype(np.float32)
    state = np.array([2], np.int32)
    want, want_labels = np.empty((batch, 3 * crop * crop), np.float32), np.empty(batch, np.int32)
    cpu_transform.transform_crop_batch(want, want_labels, dataset, labels, index, offsets, state, mean,
                                       np.float32(0.5), *shape, crop, crop)  # fmt: skip
    out, out_labels = poisoned(want.shape), poisoned((batch,), np.int32)
    arrays = map(cuda.to_device, (dataset, labels, index, offsets, state, mean))
    cuda_transform.transform_crop_batch(out, out_labels, *arrays, 0.5, *shape, crop, crop)
    assert_close(out.copy_to_host(), want)
    np.testing.assert_array_equal(out_labels.copy_to_host(), want_labels)
