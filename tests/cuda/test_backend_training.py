"""Whole nets on the CUDA backend against the CPU backend: training steps, resuming, predicting.

In the simulator the net is tiny; the ``gpu`` test repeats it with cifar10_quick at its real size.
"""

from pathlib import Path

import numpy as np
import pytest

from pyrpudl.backend import get_backend
from pyrpudl.data import DataSource
from pyrpudl.model import create_model, net_input, predict
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.trainer import train
from tests.cuda.conftest import assert_close

TINY = """
name: "tiny"
layer { name: "data" type: "Data" top: "data" top: "label"
  transform_param { scale: 0.01 } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 3 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 }
                      bias_filler { type: "constant" value: 0.1 } } }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "relu" type: "ReLU" bottom: "pool" top: "pool" }
layer { name: "norm" type: "LRN" bottom: "pool" top: "norm"
  lrn_param { local_size: 3 alpha: 0.1 beta: 0.75 } }
layer { name: "ip1" type: "InnerProduct" bottom: "norm" top: "ip1"
  inner_product_param { num_output: 5 weight_filler { type: "xavier" } } }
layer { name: "drop" type: "Dropout" bottom: "ip1" top: "ip1" dropout_param { dropout_ratio: 0.3 } }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy"
  include { phase: TEST } }
"""


def source(n=8, shape=(2, 6, 6), classes=3, seed=0) -> DataSource:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n + 4, *shape), dtype=np.uint8)
    labels = rng.integers(0, classes, n + 4).astype(np.int32)
    made = DataSource("random", Path("."), Path("."), images[:n], labels[:n], images[n:], labels[n:])
    made.mean = images[:n].mean(axis=0).astype(np.float32)
    return made


def solver():
    return pb.SolverParameter(base_lr=0.05, momentum=0.9, weight_decay=0.004, lr_policy="fixed")


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.prototxt"
    path.write_text(TINY)
    return create_model(path, source(), seed=3)


# Adam (two histories, a corrected rate per step) in two chunks of one step: ~15 s less than three
@pytest.mark.parametrize(("kind", "steps", "display"), [("SGD", 3, 2), ("Adam", 2, 1)])
def test_training_on_cuda_equals_training_on_the_cpu(tiny, kind, steps, display):
    settings = solver()
    settings.type = kind
    on_cpu = train(tiny, 2, steps, settings, report=False, display=display, device="cpu").model
    on_cuda = train(tiny, 2, steps, settings, report=False, display=display, device="cuda").model
    assert on_cuda.iteration == on_cpu.iteration == steps and on_cuda.cursor == 2 * steps
    assert_close(on_cuda.cost_log, on_cpu.cost_log)
    assert on_cuda.accuracy_log == on_cpu.accuracy_log
    assert_close(on_cuda.params.data, on_cpu.params.data)
    assert_close(on_cuda.params.history, on_cpu.params.history)
    assert_close(on_cuda.params.history2, on_cpu.params.history2)
    assert on_cuda.history_type == on_cpu.history_type == kind
    assert not np.array_equal(on_cuda.params.data, tiny.params.data), "training changed nothing"
    # the model handed in is untouched, and the trained one lives on the host again
    assert tiny.iteration == 0 and isinstance(on_cuda.params.data, np.ndarray)


def test_crops_mirrors_summed_batches_and_tests_run_alike_on_both_backends(tmp_path):
    path = tmp_path / "augmented.prototxt"
    path.write_text(TINY.replace("scale: 0.01", "scale: 0.01 crop_size: 4 mirror: true"))
    model = create_model(path, source(), seed=3)
    settings = solver()
    settings.iter_size = 2  # each update sums two batches' gradients
    settings.test_interval = 1  # and the test phase, on the device's parameters, before and after
    # one update of two batches: the simulator's time goes by launches (the CPU tests run more steps)
    on_cpu = train(model, 2, 1, settings, report=False, device="cpu").model
    on_cuda = train(model, 2, 1, settings, report=False, device="cuda").model
    assert on_cuda.cursor == on_cpu.cursor == 4
    assert_close(on_cuda.cost_log, on_cpu.cost_log)
    assert_close(on_cuda.params.data, on_cpu.params.data)
    assert [it for it, _, _ in on_cuda.test_log] == [0, 1]
    assert_close(np.array(on_cuda.test_log), np.array(on_cpu.test_log))


def test_a_model_trained_on_one_backend_predicts_alike_on_the_other(tiny):
    trained = train(tiny, 2, 1, solver(), report=False, device="cuda").model
    x = tiny.source.test_images.reshape(4, -1)
    on_cuda = predict(trained, x, "prob", device="cuda")
    on_cpu = predict(trained, x, "prob", device="cpu")
    assert on_cuda.shape == (4, 3)
    assert_close(on_cuda, on_cpu)


def test_launches_are_counted_per_step(tiny):
    backend = get_backend("cuda")
    before = backend.launches
    train(tiny, 2, 1, solver(), report=False, device=backend)
    assert 10 < backend.launches - before < 60


@pytest.mark.gpu
@pytest.mark.parametrize("columns", ["explicit", "implicit"])
def test_cifar10_quick_trains_alike_on_both_backends_for_200_steps(columns, monkeypatch):
    monkeypatch.setenv("PYRPUDL_CONV_COLUMNS", columns)  # im2col's matrices written, or gathered
    caffe = Path(__file__).resolve().parents[1] / "net" / "caffe"
    data = source(2000, (3, 32, 32), 10)
    model = create_model(caffe / "cifar10_quick_train_test.prototxt", data, seed=0)
    quick = pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    on_cpu = train(model, 100, 200, quick, report=False, device="cpu").model
    on_cuda = train(model, 100, 200, quick, report=False, device="cuda").model
    # float32 sums in another order: equal at first, drifting apart slowly as SGD amplifies them
    assert_close(on_cuda.cost_log[:20], on_cpu.cost_log[:20], 1e-4)
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-2)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-2)
    x = data.test_images.reshape(len(data.test_images), -1)
    agree = predict(on_cuda, x, device="cpu") == predict(on_cpu, x, device="cpu")
    assert agree.mean() > 0.99


@pytest.mark.gpu
def test_caffes_cifar10_quick_deploy_net_predicts_on_cuda_as_the_train_net(tmp_path):
    caffe = Path(__file__).resolve().parents[1] / "net" / "caffe"
    data = source(500, (3, 32, 32), 10)
    model = create_model(caffe / "cifar10_quick_train_test.prototxt", data, seed=0)
    quick = pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    trained = train(model, 100, 50, quick, report=False, device="cuda").model
    deploy = create_model(caffe / "cifar10_quick.prototxt")
    deployed, _ = load_weights(deploy, save_weights(trained, tmp_path / "quick.caffemodel"))
    x = data.test_images.reshape(len(data.test_images), -1)
    want = predict(trained, x, "prob", device="cpu")
    assert_close(predict(deployed, net_input(trained, x), "prob", device="cuda"), want)


@pytest.mark.gpu
def test_augmented_cifar10_quick_with_summed_batches_trains_alike_on_both_backends(tmp_path):
    caffe = Path(__file__).resolve().parents[1] / "net" / "caffe"
    text = (caffe / "cifar10_quick_train_test.prototxt").read_text()
    path = tmp_path / "augmented.prototxt"
    mean = 'mean_file: "examples/cifar10/mean.binaryproto"'
    path.write_text(text.replace(mean, f"{mean} crop_size: 28 mirror: true"))
    assert "crop_size" in path.read_text()
    data = source(1000, (3, 32, 32), 10)
    model = create_model(path, data, seed=0)
    quick = pb.SolverParameter(
        base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed", iter_size=2
    )
    on_cpu = train(model, 50, 40, quick, report=False, display=20, device="cpu").model
    on_cuda = train(model, 50, 40, quick, report=False, display=20, device="cuda").model
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-3)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-3)


NEURONS = """
layer { name: "data" type: "Data" top: "data" top: "label" transform_param { scale: 0.01 } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 8 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "elu" type: "ELU" bottom: "conv" top: "conv" elu_param { alpha: 0.5 } }
layer { name: "fork" type: "Split" bottom: "conv" top: "a" top: "b" }
layer { name: "abs" type: "AbsVal" bottom: "a" top: "abs" }
layer { name: "bnll" type: "BNLL" bottom: "b" top: "bnll" }
layer { name: "halves" type: "Slice" bottom: "bnll" top: "h1" top: "h2" }
layer { name: "whole" type: "Concat" bottom: "h2" bottom: "h1" top: "swapped" }
layer { name: "shift" type: "Bias" bottom: "swapped" top: "swapped"
  bias_param { filler { type: "constant" value: 0.1 } } }
layer { name: "sum" type: "Eltwise" bottom: "abs" bottom: "swapped" top: "sum" }
layer { name: "power" type: "Power" bottom: "sum" top: "power" power_param { power: 2 scale: 0.5 shift: 1 } }
layer { name: "log" type: "Log" bottom: "power" top: "log" log_param { shift: 1 } }
layer { name: "flat" type: "Reshape" bottom: "log" top: "flat" reshape_param { shape { dim: [0, -1] } } }
layer { name: "ip" type: "InnerProduct" bottom: "flat" top: "ip"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "exp" type: "Exp" bottom: "ip" top: "scores" exp_param { base: 2 scale: 0.1 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "scores" bottom: "label" top: "loss" }
"""


@pytest.mark.parametrize(
    ("shape", "count", "classes", "batch", "steps"),
    [((2, 5, 5), 4, 3, 2, 1), pytest.param((3, 16, 16), 2000, 10, 50, 40, marks=pytest.mark.gpu)],
    ids=["tiny", "real"],
)
def test_a_net_of_neuron_and_shape_layers_trains_alike_on_both_backends(
    tmp_path, shape, count, classes, batch, steps
):
    """Every neuron layer, Split, Slice, Concat, Bias and Reshape, on device views and ops."""
    path = tmp_path / "neurons.prototxt"
    path.write_text(NEURONS.replace("num_output: 10", f"num_output: {classes}"))
    model = create_model(path, source(count, shape, classes), seed=0)
    on_cpu = train(model, batch, steps, solver(), report=False, display=20, device="cpu").model
    on_cuda = train(model, batch, steps, solver(), report=False, display=20, device="cuda").model
    assert np.isfinite(on_cpu.cost_log).all()
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-3)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-3)


@pytest.mark.gpu
def test_lenet_with_batch_norm_trains_and_predicts_alike_on_both_backends():
    net = Path(__file__).resolve().parents[2] / "benchmarks" / "nets" / "lenet_bn_train_test.prototxt"
    data = source(1000, (1, 28, 28), 10)
    data.mean = None
    model = create_model(net, data, seed=0)
    lenet = pb.SolverParameter(base_lr=0.01, momentum=0.9, weight_decay=0.0005, lr_policy="fixed")
    on_cpu = train(model, 64, 60, lenet, report=False, display=20, device="cpu").model
    on_cuda = train(model, 64, 60, lenet, report=False, display=20, device="cuda").model
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-3)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-3)  # the moving averages too
    x = data.test_images.reshape(len(data.test_images), -1)
    assert_close(predict(on_cuda, x, "prob", device="cuda"), predict(on_cuda, x, "prob", device="cpu"))


@pytest.mark.gpu
def test_a_step_replayed_as_a_cuda_graph_equals_launching_its_ops(monkeypatch):
    caffe = Path(__file__).resolve().parents[1] / "net" / "caffe"
    data = source(1000, (1, 28, 28), 10)
    data.mean = None
    model = create_model(caffe / "lenet_train_test.prototxt", data, seed=0)
    lenet = pb.SolverParameter(base_lr=0.01, momentum=0.9, weight_decay=0.0005, lr_policy="inv", gamma=0.0001,
                               power=0.75)  # fmt: skip
    backend = get_backend("cuda")
    monkeypatch.setenv("PYRPUDL_CUDA_GRAPHS", "0")
    before = backend.launches
    eager = train(model, 64, 150, lenet, report=False, display=50, device=backend).model
    per_step = (backend.launches - before) / 150
    monkeypatch.setenv("PYRPUDL_CUDA_GRAPHS", "1")
    before = backend.launches
    graphed = train(model, 64, 150, lenet, report=False, display=50, device=backend).model
    assert (backend.launches - before) / 150 < 2 < per_step, f"no graph: {backend.capture_error}"
    np.testing.assert_array_equal(graphed.cost_log, eager.cost_log)
    np.testing.assert_array_equal(graphed.params.data, eager.params.data)


TINY_AUTOENCODER = """
layer { name: "data" type: "Data" top: "data" transform_param { scale: 0.0039 } }
layer { name: "flat" type: "Flatten" bottom: "data" top: "flat" }
layer { name: "code" type: "InnerProduct" bottom: "data" top: "code" param { name: "tied" }
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 1 sparse: 2 } } }
layer { name: "up" type: "InnerProduct" bottom: "code" top: "up" param { name: "tied" }
  inner_product_param { num_output: 12 transpose: true } }
layer { name: "loss" type: "SigmoidCrossEntropyLoss" bottom: "up" bottom: "flat" top: "cross_entropy" }
layer { name: "out" type: "Sigmoid" bottom: "up" top: "out" }
layer { name: "loss" type: "EuclideanLoss" bottom: "out" bottom: "flat" top: "l2" loss_weight: 0.5 }
"""


@pytest.mark.parametrize("real", [False, pytest.param(True, marks=pytest.mark.gpu)], ids=["tiny", "real"])
def test_an_autoencoder_trains_alike_on_both_backends(tmp_path, real):
    """A net without labels or classes: its two losses' cost; the tiny one's decoder shares the
    encoder's weights (transposed), so the shared gradients add up on the device too."""
    path = tmp_path / "autoencoder.prototxt"
    path.write_text(TINY_AUTOENCODER)
    if real:
        path = Path(__file__).resolve().parents[2] / "r_wrapper/rpud/inst/rpudl/autoencoder_train.prototxt"
    data = source(1000, (1, 28, 28), 10) if real else source(4, (3, 2, 2))
    batch, steps = (100, 100) if real else (2, 1)
    model = create_model(path, data, seed=0)
    sgd = solver()
    sgd.base_lr = 0.01
    on_cpu = train(model, batch, steps, sgd, report=False, display=50, device="cpu").model
    on_cuda = train(model, batch, steps, sgd, report=False, display=50, device="cuda").model
    assert len(on_cpu.cost_log) == steps and np.isnan(on_cuda.accuracy_log).all()
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-3)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-3)


@pytest.mark.gpu
def test_the_siamese_net_trains_alike_on_both_backends():
    """Shared weights across two towers, Slice, and ContrastiveLoss at LeNet's size."""
    net = Path(__file__).resolve().parents[2] / "r_wrapper/rpud/inst/rpudl/siamese_train.prototxt"
    data = source(1000, (1, 28, 28), 10)
    data.mean = None
    model = create_model(net, data.pairs(seed=0), seed=0)
    lenet = pb.SolverParameter(base_lr=0.01, momentum=0.9, lr_policy="inv", gamma=0.0001, power=0.75)
    on_cpu = train(model, 64, 60, lenet, report=False, display=20, device="cpu").model
    on_cuda = train(model, 64, 60, lenet, report=False, display=20, device="cuda").model
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-3)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-3)


def _two_steps_on_both_backends(model, rate: float):
    """Two steps (and a test before and after) of ``model`` on the CPU and on CUDA, compared."""
    settings = pb.SolverParameter(
        base_lr=rate, momentum=0.9, lr_policy="fixed", test_interval=2, test_iter=[1]
    )
    on_cpu = train(model, 2, 2, settings, report=False, display=1, device="cpu").model
    on_cuda = train(model, 2, 2, settings, report=False, display=1, device="cuda").model
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-4)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-4)
    assert_close([t[1] for t in on_cuda.test_log], [t[1] for t in on_cpu.test_log], 1e-4)
    return on_cpu, on_cuda


@pytest.mark.parametrize("loss", ["EuclideanLoss", "SoftmaxWithLoss"], ids=["regression", "classifier"])
def test_an_hdf5_net_trains_and_tests_alike_on_both_backends(tmp_path, loss):
    """HDF5Data: float examples on the device, and a regression's target rows gathered there."""
    pytest.importorskip("h5py")
    from tests.data.hdf5_files import hdf5_net, write_hdf5_lists

    write_hdf5_lists(tmp_path, train_parts=1)
    path = tmp_path / "net.prototxt"
    path.write_text(hdf5_net("target" if loss == "EuclideanLoss" else "label", loss).replace("10", "2"))
    _two_steps_on_both_backends(create_model(path, seed=1), 0.05)


def test_a_segmentation_of_hdf5_label_maps_trains_and_tests_alike_on_both_backends(tmp_path):
    """Label maps (int32, one class per pixel) gathered on the device for a per-pixel softmax."""
    pytest.importorskip("h5py")
    from tests.data.hdf5_files import write_label_maps

    model = create_model(write_label_maps(tmp_path, rows=4, side=3, batch=2), seed=1)
    on_cpu, on_cuda = _two_steps_on_both_backends(model, 0.5)
    assert [t[2] for t in on_cuda.test_log] == [t[2] for t in on_cpu.test_log]  # right pixels


def test_frozen_layers_train_alike_on_both_backends():
    """lr_mult 0: the frozen convolution over the data is not run backward; ip1 learns its bias."""
    text = TINY.replace('top: "conv"\n', 'top: "conv" param { lr_mult: 0 } param { lr_mult: 0 }\n')
    text = text.replace('top: "ip1"\n', 'top: "ip1" param { lr_mult: 0 } param { lr_mult: 1 }\n')
    model = create_model(text, source(), seed=3)
    for trained in _two_steps_on_both_backends(model, 0.05):
        assert np.array_equal(trained.params.weights("conv"), model.params.weights("conv"))
        assert np.array_equal(trained.params.weights("ip1"), model.params.weights("ip1"))
        assert not np.array_equal(trained.params.weights("ip1", 1), model.params.weights("ip1", 1))


def test_layers_are_timed_on_the_device(tiny):
    from pyrpudl.timing import time_model

    timing = time_model(tiny, batch=2, iterations=1, device="cuda")
    assert timing.device == "cuda"
    names = ["conv", "pool", "relu", "norm", "ip1", "drop", "ip2", "loss"]  # the TRAIN net's
    assert [layer.name for layer in timing.layers] == names
    assert all(layer.forward_ms > 0 and layer.backward_ms > 0 for layer in timing.layers)


def test_an_lstm_of_hdf5_sequences_trains_and_tests_alike_on_both_backends(tmp_path):
    """Three HDF5Data tops (cont gathered on the device beside the examples), the hidden state
    carried from batch to batch, per-timestep scores softmaxed over axis 2 (the RNN layer's own
    passes are compared in test_recurrent.py)."""
    pytest.importorskip("h5py")
    from tests.net.test_recurrent_training import model_in

    on_cpu, on_cuda = _two_steps_on_both_backends(model_in(tmp_path), 0.5)
    assert [t[2] for t in on_cuda.test_log] == [t[2] for t in on_cpu.test_log]
