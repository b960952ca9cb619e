"""darch's fine-tuning on CUDA: the unit kernels against their CPU twins, and whole backpropagation
epochs on the device against the CPU's NumPy backpropagation, on tiny shapes."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl import darch as dn
from pyrpudl.kernels.cpu import units as cpu
from pyrpudl.kernels.cuda import units as gpu
from tests.cuda.conftest import assert_close, poisoned
from tests.cuda.test_rbm import SHAPE, compare_bias_op, inputs


@pytest.mark.parametrize("name", ["tanh_bias", "softmax_bias"])
def test_units_with_bias(name):
    compare_bias_op(cpu, gpu, name)


@pytest.mark.parametrize("kind", [0, 1, 2])
@pytest.mark.parametrize("mode", [0, 1, 2])
def test_unit_deltas(kind, mode):
    y = 1 / (1 + np.exp(-inputs(1)[0]))
    other = inputs(2)[0]
    want = np.full(SHAPE, np.nan, np.float32)
    cpu.unit_delta(want, y, other, kind, mode)
    out = poisoned(SHAPE)
    gpu.unit_delta(out, cuda.to_device(y), cuda.to_device(other), kind, mode)
    assert_close(out.copy_to_host(), want, 1e-6)


@pytest.mark.parametrize(
    ("hidden", "output", "error"),
    [("sigmoidUnitDerivative", "softmaxUnitDerivative", "crossEntropyError"),
     ("tanhUnitDerivative", "linearUnitDerivative", "quadraticError")],
)  # fmt: skip
def test_backpropagation_on_cuda_equals_the_cpu(hidden, output, error):
    rng = np.random.default_rng(3)
    x = rng.random((4, 3)).astype(np.float32)
    t = np.eye(2, dtype=np.float32)[[0, 1, 1, 0]]
    quiet = dn.DarchLog.make(False)
    darch = dn.new_darch([3, 4, 2], batch_size=4, seed=2, precision="single", log=quiet)
    darch = darch.with_units(hidden).with_units(output, [1])
    darch.error_function = error
    darch.momentum_switch = 1  # both momenta within two epochs
    on_cpu = dn.fine_tune(darch, x, t, 2, log=quiet, device="cpu").darch
    on_gpu = dn.fine_tune(darch, x, t, 2, log=quiet, device="cuda").darch
    for a, b in zip(on_gpu.layers, on_cpu.layers, strict=True):
        assert_close(a.weights, b.weights, 1e-5)
        assert_close(a.increments, b.increments, 1e-4)
    assert on_gpu.stats["dataErrors"] == pytest.approx(on_cpu.stats["dataErrors"], rel=1e-5)


def five_rows():
    """Five examples of 3 inputs and 2 classes, and a single-precision 3-4-2 sigmoid darch with
    batches of 2 (so each epoch ends with a batch of 1)."""
    rng = np.random.default_rng(4)
    x = rng.random((5, 3)).astype(np.float32)
    t = np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]]
    darch = dn.new_darch([3, 4, 2], batch_size=2, seed=5, precision="single", log=dn.DarchLog.make(False))
    return x, t, darch.with_units("sigmoidUnitDerivative")


@pytest.mark.parametrize("shuffle", [False, True])
def test_backpropagation_epochs_on_cuda_follow_the_cpu(shuffle):
    """Two epochs of batches of 2 and a last one of 1 (rows copied at a batch index kept on the
    device), in a new order each epoch with ``shuffle``, across the momentum switch."""
    x, t, darch = five_rows()
    quiet = dn.DarchLog.make(False)
    darch.momentum_switch = 1
    on_cpu = dn.fine_tune(darch, x, t, 2, log=quiet, shuffle=shuffle, device="cpu").darch
    on_gpu = dn.fine_tune(darch, x, t, 2, log=quiet, shuffle=shuffle, device="cuda").darch
    for a, b in zip(on_gpu.layers, on_cpu.layers, strict=True):
        assert_close(a.weights, b.weights, 1e-5)
        assert_close(a.increments, b.increments, 1e-4)
    assert on_gpu.stats["dataErrors"] == pytest.approx(on_cpu.stats["dataErrors"], rel=1e-5)


@pytest.mark.gpu
def test_fashion_sized_backpropagation_on_the_gpu_matches_the_cpu():
    rng = np.random.default_rng(5)
    x = rng.random((3000, 784)).astype(np.float32)
    t = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 3000)]
    quiet = dn.DarchLog.make(False)
    darch = dn.new_darch([784, 500, 10], batch_size=100, precision="single", log=quiet)
    darch = darch.with_units("sigmoidUnitDerivative").with_units("softmaxUnitDerivative", [1])
    darch.error_function = "crossEntropyError"
    on_cpu = dn.fine_tune(darch, x, t, 2, log=quiet, device="cpu").darch
    on_gpu = dn.fine_tune(darch, x, t, 2, log=quiet, device="cuda").darch
    for a, b in zip(on_gpu.layers, on_cpu.layers, strict=True):
        assert_close(a.weights, b.weights, 1e-4)


def replayed_and_launched(monkeypatch, darch, x, t, epochs, **fine_tune_args) -> dict:
    """``fine_tune`` on the GPU with each batch replayed as a CUDA graph ("1") and with every op
    launched ("0"): the darchs, and the launches each took."""
    from pyrpudl.backend import get_backend

    quiet = dn.DarchLog.make(False)
    results = {}
    for graphs in ("0", "1"):
        monkeypatch.setenv("PYRPUDL_CUDA_GRAPHS", graphs)
        before = get_backend("cuda").launches
        results[graphs] = dn.fine_tune(darch, x, t, epochs, log=quiet, device="cuda", **fine_tune_args).darch
        results[graphs + " launches"] = get_backend("cuda").launches - before
    assert get_backend("cuda").capture_error is None
    assert results["1 launches"] < results["0 launches"] / 3, results
    assert results["1"].stats == results["0"].stats
    return results


@pytest.mark.gpu
def test_recorded_backpropagation_batches_replay_what_launching_each_op_computes(monkeypatch):
    rng = np.random.default_rng(6)
    x = rng.random((1050, 784)).astype(np.float32)  # 10 batches of 100 and one of 50
    t = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1050)]
    quiet = dn.DarchLog.make(False)
    darch = dn.new_darch([784, 500, 500, 10], batch_size=100, precision="single", log=quiet)
    darch = darch.with_units("sigmoidUnitDerivative").with_units("softmaxUnitDerivative", [2])
    darch.error_function = "crossEntropyError"
    darch.momentum_switch = 2
    results = replayed_and_launched(monkeypatch, darch, x, t, 4, shuffle=True)
    for a, b in zip(results["1"].layers, results["0"].layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
