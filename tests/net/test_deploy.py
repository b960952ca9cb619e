"""Deploy nets (Caffe's Input layer): Caffe's own deploy files with weights trained on the train/test
net predict what that net predicts, and what a deploy net cannot do is refused with a way out."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.model import create_model, net_input, predict
from pyrpudl.model_io import save_model
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.r_api import model_layers, model_summary
from pyrpudl.solver.snapshot import restore_snapshot
from pyrpudl.solver.trainer import train
from tests.net.test_prototxt import CAFFE
from tests.solver.conftest import sgd

LENET_DEPLOY = CAFFE / "lenet.prototxt"


@pytest.fixture
def trained(model):
    return train(model, batch=4, iterations=3, solver=sgd(), report=False).model


def test_caffes_lenet_deploy_file_with_trained_weights_predicts_as_the_train_net(trained, tmp_path):
    deployed, report = load_weights(
        create_model(LENET_DEPLOY), save_weights(trained, tmp_path / "l.caffemodel")
    )
    assert deployed.deploy and report.copied == ["conv1", "conv2", "ip1", "ip2"] and not report.kept
    pixels = trained.source.test_images.reshape(4, -1)
    # the Data layer scaled the pixels (transform_param scale 0.00390625); the Input layer takes them scaled
    want = predict(trained, pixels, "prob")
    got = predict(deployed, pixels * np.float32(0.00390625), "prob")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert np.array_equal(predict(deployed, pixels.reshape(4, 1, 28, 28) / 256.0), want.argmax(axis=1))
    # any number of examples, though the file's Input says 64
    assert predict(deployed, np.zeros((70, 784)), "prob").shape == (70, 10)


def test_net_input_is_what_a_deploy_net_takes_for_the_train_nets_images(model, tmp_path):
    model.source.find_training_mean(tmp_path / "mean.binaryproto")  # the Data layer now subtracts it
    trained = train(model, batch=4, iterations=3, solver=sgd(), report=False).model
    deployed, _ = load_weights(create_model(LENET_DEPLOY), save_weights(trained, tmp_path / "l.caffemodel"))
    pixels = model.source.test_images
    values = net_input(trained, pixels.reshape(4, -1))
    np.testing.assert_allclose(values, (pixels - model.source.mean) * 0.00390625, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(predict(deployed, values, "prob"), predict(trained, pixels, "prob"), rtol=1e-5)
    with pytest.raises(
        InputError, match="images of 5 values, but the model.s data are 1 x 28 x 28 = 784 values each"
    ):
        net_input(trained, np.zeros((2, 5)))
    with pytest.raises(InputError, match="transform needs a train/test net"):
        net_input(deployed, values)


def test_a_deploy_net_without_softmax_predicts_the_softmax_of_its_scores():
    deployed = create_model(
        'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: [1, 3] } } }\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "scores" '
        'inner_product_param { num_output: 4 weight_filler { type: "gaussian" } '
        'bias_filler { type: "gaussian" } } }',
        seed=3,
    )
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    weights, bias = deployed.params.weights("ip"), deployed.params.weights("ip", 1)
    scores = x @ weights.T + bias
    want = np.exp(scores - scores.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(predict(deployed, x, "prob"), want, rtol=1e-5)
    assert np.array_equal(predict(deployed, x), scores.argmax(axis=1))


def test_what_a_deploy_net_shows_of_itself():
    deployed = create_model(CAFFE / "cifar10_quick.prototxt")
    assert deployed.example_shape() == (3, 32, 32) and deployed.params.data.size == 145_578
    assert model_summary(deployed).startswith("rpudl deploy net CIFAR10_quick_test: 145578 parameters")
    assert "3 x 32 x 32 values per example" in model_summary(deployed)
    layers = model_layers(deployed)
    assert layers["layer"][0] == "data" and layers["output"][-1] == "10"
    assert sum(layers["parameters"]) == 145_578


def test_a_deploy_nets_weights_save_as_caffes_file_and_load_into_the_train_net(model, trained, tmp_path):
    deployed, _ = load_weights(create_model(LENET_DEPLOY), save_weights(trained, tmp_path / "a.caffemodel"))
    back, report = load_weights(model, save_weights(deployed, tmp_path / "b.caffemodel"))
    assert report.copied == ["conv1", "conv2", "ip1", "ip2"]
    assert np.array_equal(back.params.data, trained.params.data)


def test_a_deploy_net_refuses_training_saving_state_a_source_and_wrong_inputs(model, tmp_path):
    deployed = create_model(LENET_DEPLOY)
    with pytest.raises(InputError, match="training needs a train/test net .* deploy net"):
        train(deployed, batch=4, iterations=1, report=False)
    with pytest.raises(InputError, match="restoring a snapshot needs a train/test net"):
        restore_snapshot(deployed, tmp_path / "x.solverstate")
    with pytest.raises(InputError, match="ending in .caffemodel"):
        save_model(deployed, tmp_path / "x.npz")
    with pytest.raises(InputError, match="deploy net .* reads no data source; leave the data source out"):
        create_model(LENET_DEPLOY, model.source)
    with pytest.raises(
        InputError, match="x holds images of 3 values, but the deploy net's Input takes 1 x 28 x 28"
    ):
        predict(deployed, np.zeros((2, 3)))
    with pytest.raises(InputError, match="Data layers read a data source: give one"):
        create_model(CAFFE / "lenet_train_test.prototxt")


def test_a_deploy_net_with_two_inputs_takes_them_by_name():
    text = (
        'layer { name: "in" type: "Input" top: "a" top: "b" input_param { shape { dim: [1, 3] } '
        "shape { dim: [1, 3] } } }\n"
        'layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "c" }'
    )
    deployed = create_model(text)
    a, b = np.eye(3, dtype=np.float32)[[0, 1]], np.array([[0, 0, 2], [0, 3, 0]], np.float32)
    want = np.exp(a + b) / np.exp(a + b).sum(axis=1, keepdims=True)  # the scores' softmax
    np.testing.assert_allclose(predict(deployed, {"b": b, "a": a}, "prob"), want, rtol=1e-6)
    with pytest.raises(InputError, match=r"several inputs \(a, b\): give x as a list .*; x gives a$"):
        predict(deployed, {"a": a})


def test_an_old_v1_deploy_net_with_net_level_inputs_predicts():
    """CaffeNet's deploy.prototxt in miniature: V1 layers, input/input_dim, grouped convolution, LRN,
    dropout, and a SOFTMAX output."""
    text = """name: "MiniCaffeNet"
input: "data"
input_dim: 10 input_dim: 3 input_dim: 13 input_dim: 13
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 stride: 2 weight_filler { type: "gaussian" std: 0.3 } } }
layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
layers { name: "norm1" type: LRN bottom: "conv1" top: "norm1"
  lrn_param { local_size: 3 alpha: 0.0001 beta: 0.75 } }
layers { name: "conv2" type: CONVOLUTION bottom: "norm1" top: "conv2"
  convolution_param { num_output: 4 kernel_size: 3 pad: 1 group: 2
                      weight_filler { type: "gaussian" std: 0.3 } } }
layers { name: "pool2" type: POOLING bottom: "conv2" top: "pool2"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layers { name: "fc6" type: INNER_PRODUCT bottom: "pool2" top: "fc6"
  inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.3 } } }
layers { name: "drop6" type: DROPOUT bottom: "fc6" top: "fc6" dropout_param { dropout_ratio: 0.5 } }
layers { name: "prob" type: SOFTMAX bottom: "fc6" top: "prob" }
"""
    deployed = create_model(text, seed=1)
    assert deployed.example_shape() == (3, 13, 13)
    x = np.random.default_rng(0).standard_normal((3, 3 * 13 * 13)).astype(np.float32)
    probabilities = predict(deployed, x, "prob")
    assert probabilities.shape == (3, 5) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-6)
    assert np.array_equal(predict(deployed, x, "prob"), probabilities)  # dropout off at prediction
    assert deployed.params.weights("conv2").shape == (4, 2, 3, 3)  # two groups of two channels


def test_a_deploy_net_ending_in_argmax_predicts_its_classes(trained, tmp_path):
    """Caffe's lenet.prototxt with an ArgMax after its Softmax: the classes the plain file predicts;
    there are no probabilities to give."""
    text = LENET_DEPLOY.read_text() + 'layer { name: "argmax" type: "ArgMax" bottom: "prob" top: "class" }\n'
    weights = save_weights(trained, tmp_path / "l.caffemodel")
    plain, _ = load_weights(create_model(LENET_DEPLOY), weights)
    ending, _ = load_weights(create_model(text), weights)
    x = trained.source.test_images.reshape(4, -1) * np.float32(0.00390625)
    classes = predict(ending, x)
    assert classes.dtype == np.int32
    np.testing.assert_array_equal(classes, predict(plain, x))
    with pytest.raises(InputError, match="ends in an ArgMax layer .* gives classes, not probabilities"):
        predict(ending, x, "prob")
