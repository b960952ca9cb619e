"""Data sources from arrays in memory: a net reads them as it reads a file format's images (LeNet
trains alike on MNIST's files and on the same images as an array), rows of real values train a
classifier or a regression, and every way the arrays can be wrong is named."""

import numpy as np
import pytest

from pyrpudl.data import array_data_source
from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.solver.trainer import train
from tests.net.layers.helpers import short_runs
from tests.solver.conftest import LENET, sgd


def test_lenet_trains_on_the_arrays_of_an_image_source_as_on_its_files(model):
    files = model.source
    arrays = array_data_source(
        files.train_images[:, 0], files.train_labels, files.test_images[:, 0], files.test_labels
    )  # fmt: skip (grey images as (n, height, width))
    assert arrays.shape == files.shape and arrays.train_images.dtype == np.uint8
    runs = short_runs(files, LENET.read_text()), short_runs(arrays, LENET.read_text())
    assert runs[0][0].cost_log == runs[1][0].cost_log
    assert np.array_equal(runs[0][0].params.data, runs[1][0].params.data)


MLP = """
layer {{ name: "data" type: "MemoryData" top: "data" top: "label" memory_data_param {{ batch_size: 20 }} }}
layer {{ name: "hidden" type: "InnerProduct" bottom: "data" top: "hidden"
        inner_product_param {{ num_output: 16 weight_filler {{ type: "xavier" }} }} }}
layer {{ name: "relu" type: "ReLU" bottom: "hidden" top: "hidden" }}
layer {{ name: "out" type: "InnerProduct" bottom: "hidden" top: "out"
        inner_product_param {{ num_output: {outputs} weight_filler {{ type: "xavier" }} }} }}
layer {{ name: "loss" type: "{loss}" bottom: "out" bottom: "label" top: "loss" }}
"""


def blobs(n, seed):
    """Two classes of rows of 5 values, apart along a random direction."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 5)) + np.where(y[:, None] == 1, 1.5, -1.5) * np.array([1, -1, 0.5, 0, 1])
    return x, y


def test_a_classifier_learns_from_rows_of_real_values_and_names_its_classes():
    (x, y), (test_x, test_y) = blobs(400, 0), blobs(100, 1)
    source = array_data_source(x, y, test_x, test_y, label_names=("left", "right"))
    assert (
        source.train_images.dtype == np.float32
        and source.shape == (5,)
        and source.label_names == ("left", "right")
    )
    model = create_model(MLP.format(outputs=2, loss="SoftmaxWithLoss"), source, seed=0)
    trained = train(model, batch=20, iterations=200, solver=sgd(0.05), report=False).model
    assert (predict(trained, test_x) == test_y).mean() > 0.95


def test_a_regression_learns_targets_given_as_rows():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((400, 5))
    targets = x @ rng.standard_normal((5, 2))
    source = array_data_source(x, targets)
    assert source.target_shape == (2,) and len(source.test_images) == 0
    model = create_model(MLP.format(outputs=2, loss="EuclideanLoss"), source, seed=0)
    trained = train(model, batch=20, iterations=300, solver=sgd(0.02), report=False).model
    assert np.mean(trained.cost_log[-20:]) < 0.1 * np.mean(trained.cost_log[:20])


def test_rows_become_images_with_a_shape_and_take_a_mean_image(tmp_path):
    rng = np.random.default_rng(3)
    rows = rng.integers(0, 256, (6, 2 * 3 * 4)).astype(np.uint8)
    source = array_data_source(rows, np.arange(6) % 3, shape=(2, 3, 4), data_dir=tmp_path)
    assert source.shape == (2, 3, 4)
    np.testing.assert_array_equal(source.train_images[1], rows[1].reshape(2, 3, 4))
    path = source.find_training_mean()
    assert path.parent == tmp_path
    np.testing.assert_allclose(source.mean, rows.reshape(6, 2, 3, 4).mean(axis=0), rtol=1e-6)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"x": np.zeros((4, 3)), "y": [0, 1]}, "y has 2 labels for 4 examples"),
        ({"x": np.zeros((4, 3)), "y": [0, 1, -1, 2]}, "classes count from 0"),
        ({"x": np.zeros((4, 3)), "y": [0, 0.5, 1, 1]}, "holds fractions"),
        ({"x": np.array([[1.0, np.nan]]), "y": [0]}, "x holds NA, NaN or infinite values"),
        ({"x": np.array([["a"]]), "y": [0]}, "x must be numbers"),
        ({"x": np.zeros((2, 6)), "y": [0, 1], "shape": (2, 2, 2)},
         "6 values per example, but shape 2 x 2 x 2 holds 8"),
        ({"x": np.zeros((2, 6)), "y": [0, 1], "test_x": np.zeros((2, 5)), "test_y": [0, 1]},
         "test.x has examples of 5"),
        ({"x": np.zeros((2, 6)), "y": [0, 1], "test_x": np.zeros((2, 6))}, "give labels for both"),
        ({"x": np.zeros((0, 6))}, "no examples to train on"),
    ],
)  # fmt: skip
def test_arrays_that_cannot_be_a_data_source_say_why(arguments, message):
    with pytest.raises(InputError, match=message):
        array_data_source(**arguments)


def test_an_image_transform_on_rows_of_values_is_refused():
    source = array_data_source(np.zeros((4, 5)), [0, 1, 0, 1])
    text = MLP.format(outputs=2, loss="SoftmaxWithLoss").replace(
        'top: "label" memory', 'top: "label" transform_param { mirror: true } memory'
    )
    with pytest.raises(InputError, match="need images .* the examples are 5; leave only scale"):
        create_model(text, source)
    with pytest.raises(InputError, match="a mean image needs images"):
        source.find_training_mean()
