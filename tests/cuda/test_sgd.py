"""Caffe's solver steps: CUDA against the CPU twin (the CPU twin is checked against the reference in
tests/kernels/test_cpu_sgd.py, and here once more)."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import sgd as cpu
from pyrpudl.kernels.cuda import sgd as gpu
from tests import reference
from tests.cuda.conftest import assert_close


@pytest.mark.parametrize("l1", [False, True])
def test_sgd_update_matches_the_cpu(l1):
    rng = np.random.default_rng(0)
    n = 1001
    data, history, diff = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    lr_mult = rng.choice([1.0, 2.0], n).astype(np.float32)
    decay_mult = rng.choice([0.0, 1.0], n).astype(np.float32)
    hyper = (0.01, 0.9, 0.004, l1)
    want_data, want_history = data.copy(), history.copy()
    cpu.sgd_update(want_data, want_history, diff, lr_mult, decay_mult, *hyper)
    ref_data, ref_history = reference.sgd_update(data, history, diff, lr_mult, decay_mult, *hyper)
    assert_close(want_data, ref_data, 1e-6)
    assert_close(want_history, ref_history, 1e-6)
    d_data, d_history = cuda.to_device(data), cuda.to_device(history)
    gpu.sgd_update(d_data, d_history, *map(cuda.to_device, (diff, lr_mult, decay_mult)), *hyper)
    assert_close(d_data.copy_to_host(), want_data)
    assert_close(d_history.copy_to_host(), want_history)


@pytest.mark.parametrize("kind", range(6))  # SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam
def test_every_solver_type_matches_the_cpu_over_three_steps(kind):
    rng = np.random.default_rng(kind)
    n = 300
    data = rng.standard_normal(n).astype(np.float32)
    lr_mult = rng.choice([1.0, 2.0], n).astype(np.float32)
    decay_mult = rng.choice([0.0, 1.0], n).astype(np.float32)
    history, history2 = np.zeros(n, np.float32), np.zeros(n, np.float32)
    device = [cuda.to_device(a) for a in (data, history, history2)]
    hyper = (kind, 0.0 if kind in (2, 3) else 0.9, 0.999, 0.98, 1e-6, 0.004, kind % 2 == 1)
    for rate in (0.01, 0.03, 0.02):
        diff = rng.standard_normal(n).astype(np.float32)
        cpu.solver_update(data, history, history2, diff, lr_mult, decay_mult, np.float32(rate), hyper[0],
                          *map(np.float32, hyper[1:6]), hyper[6])  # fmt: skip
        gpu.solver_update(*device, *map(cuda.to_device, (diff, lr_mult, decay_mult)), rate, *hyper)
    assert_close(device[0].copy_to_host(), data)
    assert_close(device[1].copy_to_host(), history)
    assert_close(device[2].copy_to_host(), history2)


@pytest.mark.parametrize("n", [300, 1000])  # fewer, and more, elements than the block's threads
def test_clip_gradients_matches_the_cpu(n):
    diff = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    threshold = 0.5 * np.linalg.norm(diff.astype(np.float64))
    want = diff.copy()
    cpu.clip_gradients(want, threshold)
    got = cuda.to_device(diff)
    gpu.clip_gradients(got, threshold)
    assert_close(got.copy_to_host(), want, 1e-6)
    kept = cuda.to_device(diff)
    gpu.clip_gradients(kept, 3 * threshold)
    np.testing.assert_array_equal(kept.copy_to_host(), diff)
