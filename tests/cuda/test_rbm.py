"""The darch kernels (kernels/cuda/rbm.py) against their CPU twins, and CD-k training on CUDA against
the CPU, on tiny shapes (the simulator runs them on a machine without a GPU)."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl import darch as dn
from pyrpudl.kernels.cpu import rbm as cpu
from pyrpudl.kernels.cuda import rbm as gpu
from tests.cuda.conftest import assert_close, poisoned

SHAPE = (3, 7)


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    a = (3 * rng.standard_normal(SHAPE)).astype(np.float32)
    bias = rng.standard_normal(SHAPE[1]).astype(np.float32)
    return a, bias


def compare_bias_op(cpu_ops, gpu_ops, name):
    """``name(out, a, bias)`` on both devices: the same values, every element written."""
    a, bias = inputs()
    want = np.full(SHAPE, np.nan, np.float32)
    getattr(cpu_ops, name)(want, a, bias)
    out = poisoned(SHAPE)
    getattr(gpu_ops, name)(out, cuda.to_device(a), cuda.to_device(bias))
    assert_close(out.copy_to_host(), want, 1e-6)


@pytest.mark.parametrize("name", ["sigmoid_bias", "add_bias"])
def test_elementwise_with_bias(name):
    compare_bias_op(cpu, gpu, name)


def test_samples_are_the_same_bits_on_both_devices():
    a, bias = inputs(1)
    probs, states = np.empty_like(a), np.empty_like(a)
    cpu.sigmoid_bias_sample(probs, states, a, bias, 5, 1, 9)
    d_probs, d_states = poisoned(SHAPE), poisoned(SHAPE)
    gpu.sigmoid_bias_sample(d_probs, d_states, cuda.to_device(a), cuda.to_device(bias), 5, 1, 9)
    assert_close(d_probs.copy_to_host(), probs, 1e-6)
    np.testing.assert_array_equal(d_states.copy_to_host(), states)
    d = cuda.to_device(probs)
    gpu.sample_bernoulli(d, d, 5, 1, 9)
    np.testing.assert_array_equal(d.copy_to_host(), states)


def test_reductions_and_updates():
    a, b = inputs(2)[0], inputs(3)[0]
    want = np.zeros(2)
    cpu.squared_error(want, 1, a, b)
    out = cuda.to_device(np.zeros(2, np.float32))
    gpu.squared_error(out, 1, cuda.to_device(a), cuda.to_device(b))
    assert_close(out.copy_to_host(), want, 1e-6)

    bias, inc = inputs(4)[1], inputs(5)[1]
    d_bias, d_inc = cuda.to_device(bias), cuda.to_device(inc)
    gpu.bias_step(d_bias, d_inc, cuda.to_device(a), cuda.to_device(b), 0.05, 0.9)
    cpu.bias_step(bias, inc, a, b, 0.05, 0.9)
    assert_close(d_inc.copy_to_host(), inc, 1e-6)
    assert_close(d_bias.copy_to_host(), bias, 1e-6)

    w, winc = a.copy(), b.copy()
    d_w, d_winc = cuda.to_device(w), cuda.to_device(winc)
    gpu.momentum_step(d_w, d_winc, cuda.to_device(b), 0.1, 0.5, 0.01)
    cpu.momentum_step(w, winc, b, 0.1, 0.5, 0.01)
    assert_close(d_w.copy_to_host(), w, 1e-6)
    scaled = poisoned(SHAPE)
    gpu.scale(scaled, cuda.to_device(a), -1.0)
    np.testing.assert_array_equal(scaled.copy_to_host(), -a)


def test_the_counted_batch_ops_equal_their_cpu_twins():
    rng = np.random.default_rng(8)
    data = rng.random((7, 5)).astype(np.float32)
    bias = rng.standard_normal(5).astype(np.float32)
    state, counter = np.array([1], np.int32), np.array([2**32 + 9], np.int64)  # keys use the low 32 bits
    d_state, d_counter = cuda.to_device(state), cuda.to_device(counter)
    rows = np.empty((3, 5), np.float32)
    cpu.batch_rows(rows, data, state, 3)
    d_rows = poisoned((3, 5))
    gpu.batch_rows(d_rows, cuda.to_device(data), d_state, 3)
    np.testing.assert_array_equal(d_rows.copy_to_host(), rows)

    probs, states = np.empty_like(rows), np.empty_like(rows)
    cpu.sigmoid_bias_sample_at(probs, states, rows, bias, 5, 2, counter, 1)
    d_probs, d_states = poisoned((3, 5)), poisoned((3, 5))
    gpu.sigmoid_bias_sample_at(d_probs, d_states, d_rows, cuda.to_device(bias), 5, 2, d_counter, 1)
    assert_close(d_probs.copy_to_host(), probs, 1e-6)
    np.testing.assert_array_equal(d_states.copy_to_host(), states)

    errors = np.zeros(3, np.float32)
    cpu.squared_error_at(errors, state, rows, data[:3])
    d_errors = cuda.to_device(np.zeros(3, np.float32))
    gpu.squared_error_at(d_errors, d_state, d_rows, cuda.to_device(data[:3]))
    assert_close(d_errors.copy_to_host(), errors, 1e-6)
    assert errors[1] > 0

    cpu.next_batch(state, counter, 3)
    gpu.next_batch(d_state, d_counter, 3)
    assert d_state.copy_to_host()[0] == state[0] == 2
    assert d_counter.copy_to_host()[0] == counter[0] == 2**32 + 12


@pytest.mark.parametrize("visible_units", ["binary", "gaussian"])
def test_cd_training_on_cuda_equals_the_cpu(visible_units):
    data = (np.random.default_rng(6).random((5, 6)) > 0.5).astype(np.float32)
    rbm = dn.new_rbm(6, 4, batch_size=2, seed=3, dtype=np.float32)
    rbm.visible_units = visible_units
    quiet = dn.DarchLog.make(False)
    on_cpu = dn.train_rbm(rbm, data, 1, num_cd=2, log=quiet, device="cpu").rbm
    on_gpu = dn.train_rbm(rbm, data, 1, num_cd=2, log=quiet, device="cuda").rbm
    for name in ("weights", "visible_biases", "hidden_biases", "weight_inc"):
        assert_close(getattr(on_gpu, name), getattr(on_cpu, name), 1e-4)
    assert on_gpu.errors == pytest.approx(on_cpu.errors, rel=1e-4)
    assert on_gpu.draws == on_cpu.draws == 3 * 2  # 3 batches, 2 Gibbs steps


def test_epochs_on_cuda_follow_the_cpu_across_the_momentum_switch():
    """Three epochs (momentum 0.5, then 0.9 from the second: the switch moved from darch's sixth
    epoch to keep the simulator quick), batches of 2 and a last one of 1: the batches read their
    rows, error slots and draws from the device's counters, epoch after epoch."""
    data = (np.random.default_rng(9).random((5, 6)) > 0.5).astype(np.float32)
    rbm = dn.new_rbm(6, 4, batch_size=2, seed=4, dtype=np.float32)
    rbm.momentum_switch = 1
    quiet = dn.DarchLog.make(False)
    on_cpu = dn.train_rbm(rbm, data, 3, log=quiet, device="cpu").rbm
    on_gpu = dn.train_rbm(rbm, data, 3, log=quiet, device="cuda").rbm
    assert_close(on_gpu.weights, on_cpu.weights, 1e-4)
    assert_close(on_gpu.weight_inc, on_cpu.weight_inc, 1e-4)
    assert on_gpu.errors == pytest.approx(on_cpu.errors, rel=1e-4)
    assert on_gpu.draws == on_cpu.draws == 3 * 3


def test_double_precision_stays_off_cuda():
    rbm = dn.new_rbm(6, 4, batch_size=2)
    with pytest.raises(dn.rbm.InputError, match='precision = "single"'):
        dn.train_rbm(rbm, np.zeros((2, 6)), 1, device="cuda")


@pytest.mark.gpu
def test_a_fashion_sized_rbm_epoch_on_the_gpu_matches_the_cpu():
    rng = np.random.default_rng(7)
    data = (rng.random((2000, 784)) > 0.6).astype(np.float32)
    rbm = dn.new_rbm(784, 500, batch_size=100, seed=1, dtype=np.float32)
    quiet = dn.DarchLog.make(False)
    on_cpu = dn.train_rbm(rbm, data, 2, log=quiet, device="cpu").rbm
    on_gpu = dn.train_rbm(rbm, data, 2, log=quiet, device="cuda").rbm
    assert_close(on_gpu.weights, on_cpu.weights, 1e-3)  # a few states flip where u and p nearly tie
    assert on_gpu.errors == pytest.approx(on_cpu.errors, rel=1e-3)


@pytest.mark.gpu
def test_recorded_batches_replay_what_launching_each_op_computes(monkeypatch):
    """With CUDA graphs (the default) each batch after its first is one replay; the result equals
    launching every op (PYRPUDL_CUDA_GRAPHS=0) bit for bit."""
    from pyrpudl.backend import get_backend

    rng = np.random.default_rng(10)
    data = (rng.random((1050, 784)) > 0.6).astype(np.float32)  # 10 batches of 100 and one of 50
    rbm = dn.new_rbm(784, 500, batch_size=100, seed=2, dtype=np.float32)
    quiet = dn.DarchLog.make(False)
    backend = get_backend("cuda")
    monkeypatch.setenv("PYRPUDL_CUDA_GRAPHS", "0")
    eager = dn.train_rbm(rbm, data, 7, num_cd=2, log=quiet, device="cuda").rbm
    monkeypatch.setenv("PYRPUDL_CUDA_GRAPHS", "1")
    before = backend.launches
    replayed = dn.train_rbm(rbm, data, 7, num_cd=2, log=quiet, device="cuda").rbm
    launches = backend.launches - before
    assert backend.capture_error is None
    # 4 recordings (2 batch sizes x 2 momenta), each an eager batch (18 ops) and its capture; then replays
    assert launches < 7 * 11 + 4 * 2 * 20, launches  # launching every op: 7 * 11 * 18
    for name in ("weights", "visible_biases", "hidden_biases", "weight_inc"):
        np.testing.assert_array_equal(getattr(replayed, name), getattr(eager, name))
    assert replayed.errors == eager.errors and replayed.draws == eager.draws
