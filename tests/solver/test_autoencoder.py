"""A net that scores no classes: pyrpudl's autoencoder (the architecture and Caffe features of
Caffe's MNIST autoencoder example) trains on its losses, tests, and gives its code and its
reconstruction; predict() says why it has no classes."""

import numpy as np
import pytest

from pyrpudl.data import create_data_source
from pyrpudl.errors import InputError
from pyrpudl.extract import extract_features
from pyrpudl.model import create_model, predict
from pyrpudl.model_io import load_model, save_model
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.solver.trainer import train
from tests.conftest import ROOT
from tests.data.files import write_idx_set
from tests.solver.conftest import sgd

AUTOENCODER = ROOT / "r_wrapper/rpud/inst/rpudl/autoencoder_train.prototxt"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist")
    write_idx_set(folder, n_train=16, n_test=8)
    return create_data_source("mnist", folder, download=False)


@pytest.fixture(scope="module")
def trained(source):
    lines = []
    solver = sgd(0.01)
    solver.test_interval = 10
    outcome = train(create_model(AUTOENCODER, source, seed=3), batch=4, iterations=20, solver=solver,
                    report=lines.append, display=10)  # fmt: skip
    return outcome, lines


def test_it_trains_on_its_cross_entropy_and_reports_no_accuracy(trained):
    (outcome, lines) = trained
    model = outcome.model
    assert outcome.stopped is None and model.iteration == 20
    costs = model.cost_log
    assert np.mean(costs[-5:]) < 0.8 * costs[0]  # it learns at least the images' mean
    assert np.isnan(model.accuracy_log).all()
    training = [line for line in lines if line.startswith("training")]
    assert training[0].startswith("training @iter 10, cost ") and "accuracy" not in " ".join(lines)
    assert lines[-1].startswith("training ends with average cost of ")
    # the TEST net: its weighted loss as the cost, the weight-0 Euclidean error beside it
    assert [t[0] for t in model.test_log] == [0, 10, 20] and np.isnan(model.test_log[-1][2])
    tests = [line for line in lines if line.startswith("testing")]
    assert "on 8 test images; l2_error = " in tests[-1]
    assert model.test_log[-1][1] < model.test_log[0][1]


def test_it_gives_codes_and_reconstructions_and_no_classes(trained, source):
    model = trained[0].model
    x = source.test_images[:3]
    codes = extract_features(model, x, "encode4")
    images = extract_features(model, x, "decode1neuron")
    assert codes.shape == (3, 30) and images.shape == (3, 784)
    assert images.min() >= 0 and images.max() <= 1
    with pytest.raises(InputError, match="scores no classes.*rpudlExtractFeatures"):
        predict(model, x)


def test_it_saves_and_loads_both_ways(trained, source, tmp_path):
    model = trained[0].model
    x = source.test_images[:2]
    expected = extract_features(model, x, "decode1neuron")
    again = load_model(save_model(model, tmp_path / "ae.npz"), source)
    assert np.isnan(again.accuracy_log).all() and again.cost_log == model.cost_log
    np.testing.assert_array_equal(extract_features(again, x, "decode1neuron"), expected)
    fresh = create_model(AUTOENCODER, source, seed=9)
    loaded, _ = load_weights(fresh, save_weights(model, tmp_path / "ae.caffemodel"))
    np.testing.assert_array_equal(extract_features(loaded, x, "decode1neuron"), expected)


def test_stages_choose_the_test_data_layer(source):
    staged = create_model(AUTOENCODER, source, stages=("test-on-train",))
    assert [layer.name for layer in staged.spec.layer].count("data") == 2
    with pytest.raises(InputError, match="no Data layer in its TEST phase"):
        create_model(AUTOENCODER, source, stages=("deploy",))
