"""Resilient backpropagation on CUDA: the step kernel against its CPU twin, and whole rpropagation
epochs on the device against the CPU's NumPy tuner (tuners.rpropagation), on tiny shapes."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl import darch as dn
from pyrpudl.darch.tuners import RPROP_METHODS
from pyrpudl.errors import InputError
from pyrpudl.kernels.cpu import rprop as cpu
from pyrpudl.kernels.cuda import rprop as gpu
from tests.cuda.conftest import assert_close
from tests.cuda.test_units import five_rows, replayed_and_launched

SHAPE = (5, 3)


@pytest.mark.parametrize("rising", [False, True])  # iRprop+ undoes a change only when the error rose
@pytest.mark.parametrize("method", RPROP_METHODS)
def test_the_step_matches_the_cpu(method, rising):
    rng = np.random.default_rng(1)
    weights, gradient = (rng.standard_normal(SHAPE).astype(np.float32) for _ in range(2))
    previous = rng.standard_normal(SHAPE).astype(np.float32)
    previous[0] = 0  # no sign information yet: the step size stays
    step_size = rng.uniform(0.01, 0.1, SHAPE).astype(np.float32)
    step_size[1, 0] = 1e-6  # at the floor: shrinks no further
    change = rng.standard_normal(SHAPE).astype(np.float32)
    errors = np.array([2.0, 1.0] if rising else [1.0, 2.0], np.float32)
    settings = (RPROP_METHODS.index(method), 1.2, 0.5, 1e-6, 0.05, 0.01)
    host = [a.copy() for a in (weights, gradient, previous, step_size, change)]
    device = [cuda.to_device(a) for a in (weights, gradient, previous, step_size, change, errors)]
    cpu.rprop_step(*host, errors, *settings)
    gpu.rprop_step(*device, *settings)
    for got, want in zip(device[:5], host, strict=True):  # weights, gradient (read), previous, sizes, change
        assert_close(got.copy_to_host(), want, 1e-6)
    assert not np.array_equal(host[0], weights)


def test_rpropagation_epochs_on_cuda_follow_the_cpu():
    """An epoch of iRprop+ (darch's default, the one that compares errors) in batches of 2, 2 and
    1, with weight decay: weights, Rprop's state (read back where the CPU's tuner keeps it) and the
    errors alike, and the CPU goes on from there. (Each method's rule: test_the_step_matches_the_cpu;
    an epoch takes ~10 s in the simulator.)"""
    x, t, darch = five_rows()
    quiet = dn.DarchLog.make(False)
    darch.fine_tune_function = "rpropagation"
    args = {"method": "iRprop+", "weightDecay": 0.001, "initDelta": 0.05}
    on_cpu = dn.fine_tune(darch, x, t, 1, log=quiet, device="cpu", **args).darch
    on_gpu = dn.fine_tune(darch, x, t, 1, log=quiet, device="cuda", **args).darch
    for a, b in zip(on_gpu.layers, on_cpu.layers, strict=True):
        assert_close(a.weights, b.weights, 1e-5)
        for name in ("rprop_gradient", "rprop_delta", "rprop_change"):
            assert_close(a.state[name], b.state[name], 1e-4)
    assert on_gpu.stats["_rprop_error"] == pytest.approx(on_cpu.stats["_rprop_error"], rel=1e-5)
    assert on_gpu.stats["dataErrors"] == pytest.approx(on_cpu.stats["dataErrors"], rel=1e-5)
    # and the CPU goes on from where the device stopped
    again_cpu = dn.fine_tune(on_cpu, x, t, 1, log=quiet, device="cpu", **args).darch
    again_mixed = dn.fine_tune(on_gpu, x, t, 1, log=quiet, device="cpu", **args).darch
    for a, b in zip(again_mixed.layers, again_cpu.layers, strict=True):
        assert_close(a.weights, b.weights, 1e-5)


def test_an_unknown_rprop_method_is_an_error_before_training():
    quiet = dn.DarchLog.make(False)
    darch = dn.new_darch([3, 2], batch_size=2, precision="single", log=quiet)
    darch.fine_tune_function = "rpropagation"
    x, t = np.zeros((2, 3), np.float32), np.zeros((2, 2), np.float32)
    with pytest.raises(
        InputError, match="method must be one of Rprop\\+, Rprop-, iRprop\\+, iRprop-, not 'Rprop\\*'"
    ):
        dn.fine_tune(darch, x, t, 1, log=quiet, device="cuda", method="Rprop*")


@pytest.mark.gpu
def test_recorded_rpropagation_batches_replay_what_launching_each_op_computes(monkeypatch):
    rng = np.random.default_rng(7)
    x = rng.random((1050, 784)).astype(np.float32)  # 10 batches of 100 and one of 50
    t = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1050)]
    darch = dn.new_darch([784, 500, 10], batch_size=100, precision="single", log=dn.DarchLog.make(False))
    darch = darch.with_units("sigmoidUnitDerivative").with_units("softmaxUnitDerivative", [1])
    darch.fine_tune_function = "rpropagation"
    results = replayed_and_launched(monkeypatch, darch, x, t, 3, weightDecay=1e-4)
    for a, b in zip(results["1"].layers, results["0"].layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.state["rprop_delta"], b.state["rprop_delta"])
