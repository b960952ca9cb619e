"""Caffe's Slice (Concat's inverse) and Bias (a learned bias per channel): gradients by finite
differences, Caffe's slice points, and nets where they stand in for what they undo or replace."""

import numpy as np
import pytest

from pyrpudl.net.shapes import ShapeError
from tests.net.layers.helpers import check_gradients, make_layer, short_runs
from tests.solver.conftest import LENET

SHAPE = (2, 5, 3, 2)


@pytest.mark.parametrize(
    ("settings", "tops"),
    [
        ("slice_param { slice_point: [1, 3] }", [(2, 1, 3, 2), (2, 2, 3, 2), (2, 2, 3, 2)]),
        ("slice_param { axis: 2 }", [(2, 5, 1, 2), (2, 5, 1, 2), (2, 5, 1, 2)]),
        ("slice_param { slice_dim: 0 }", [(1, 5, 3, 2)] * 2),
    ],
)
def test_slice_gradients_and_caffes_slice_points(settings, tops):
    names = " ".join(f'top: "t{i}"' for i in range(len(tops)))
    layer = make_layer(f'name: "s" type: "Slice" bottom: "x" {names} {settings}', [SHAPE])
    assert layer.top_shapes == tops
    x = np.random.default_rng(0).standard_normal(SHAPE)
    assert np.array_equal(np.concatenate(layer.forward([x], True), axis=layer.axis), x)
    check_gradients(layer, [x])


@pytest.mark.parametrize(
    ("settings", "message"),
    [("slice_param { slice_point: [3, 1] }", "increasing"), ("slice_param { slice_point: [5] }", "inside"),
     ("", "does not split into 2 equal parts")],
)  # fmt: skip
def test_a_slice_that_does_not_fit_says_why(settings, message):
    with pytest.raises(ShapeError, match=message):
        make_layer(f'name: "s" type: "Slice" bottom: "x" top: "a" top: "b" {settings}', [SHAPE])


def test_bias_gradients_and_its_constant_zero_start():
    layer = make_layer('name: "b" type: "Bias"', [SHAPE])
    assert layer.params[0].shape == (5,)
    check_gradients(layer, [np.random.default_rng(1).standard_normal(SHAPE)])
    with pytest.raises(ShapeError, match="per channel"):
        make_layer('name: "b" type: "Bias" bias_param { axis: 2 }', [SHAPE])


def test_conv1_sliced_and_concatenated_again_trains_as_lenet(model):
    text = LENET.read_text()
    cut = (
        'layer { name: "cut" type: "Slice" bottom: "conv1" top: "c1a" top: "c1b"\n'
        "  slice_param { slice_point: 7 } }\n"
        'layer { name: "join" type: "Concat" bottom: "c1a" bottom: "c1b" top: "conv1j" }\n'
    )
    forked = text.replace('layer {\n  name: "pool1"', cut + 'layer {\n  name: "pool1"')
    forked = forked.replace('bottom: "conv1"\n  top: "pool1"', 'bottom: "conv1j"\n  top: "pool1"')
    assert forked.count("conv1j") == 2
    runs = short_runs(model.source, text, forked)
    assert runs[0].cost_log == runs[1].cost_log


def test_a_convolution_without_bias_and_a_bias_layer_train_as_the_convolution_with_it(model):
    text = LENET.read_text()
    split = text.replace(
        "  convolution_param {\n    num_output: 20\n",
        "  convolution_param {\n    bias_term: false\n    num_output: 20\n",
        1,
    )
    bias = 'layer { name: "b1" type: "Bias" bottom: "conv1" top: "conv1" param { lr_mult: 2 } }\n'
    split = split.replace('layer {\n  name: "pool1"', bias + 'layer {\n  name: "pool1"')
    assert "bias_term: false" in split and '"Bias"' in split
    runs = short_runs(model.source, text, split)
    np.testing.assert_allclose(runs[1].cost_log, runs[0].cost_log, rtol=1e-5)
    np.testing.assert_allclose(
        runs[1].params.weights("b1"), runs[0].params.weights("conv1", 1), rtol=1e-4, atol=1e-7
    )
