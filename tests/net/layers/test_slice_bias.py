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
    with pytest.raises(ShapeError, match="num_axes 5 from axis 1 does not fit"):
        make_layer('name: "b" type: "Bias" bias_param { num_axes: 5 }', [SHAPE])


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


def test_scale_and_bias_along_other_axes_are_caffes():
    """Learned values for the axes from ``axis`` (num_axes of them, -1 all, 0 one scalar)."""
    x = np.random.default_rng(2).standard_normal(SHAPE)
    for settings, shape in (
        ("axis: 2 num_axes: 2", (3, 2)),
        ("num_axes: -1", (5, 3, 2)),
        ("num_axes: 0", ()),
    ):
        layer = make_layer(f'name: "s" type: "Scale" scale_param {{ {settings} bias_term: true }}', [SHAPE])
        assert [p.shape for p in layer.params] == [shape, shape]
        (out,) = layer.forward([x], True)
        gamma, beta = (p.reshape((1,) * (4 - len(shape)) + shape) for p in layer.params)
        np.testing.assert_allclose(out, x * gamma + beta)
        check_gradients(layer, [x])
        bias = make_layer(f'name: "b" type: "Bias" bias_param {{ {settings} }}', [SHAPE])
        check_gradients(bias, [x])


def test_factors_and_shifts_as_a_second_bottom_take_their_gradients():
    """Squeeze-and-excitation's Scale: x (N, C, H, W) times s (N, C) from axis 0; Bias alike."""
    rng = np.random.default_rng(3)
    x, s = rng.standard_normal(SHAPE), rng.standard_normal(SHAPE[:2])
    scale = make_layer('name: "s" type: "Scale" scale_param { axis: 0 }', [SHAPE, s.shape])
    assert scale.params == []
    (out,) = scale.forward([x, s], True)
    np.testing.assert_allclose(out, x * s[:, :, None, None])
    check_gradients(scale, [x, s])
    shift = rng.standard_normal(SHAPE[1:3])
    bias = make_layer('name: "b" type: "Bias"', [SHAPE, shift.shape])  # axis 1: (C, H)
    (out,) = bias.forward([x, shift], True)
    np.testing.assert_allclose(out, x + shift[None, :, :, None])
    check_gradients(bias, [x, shift])
    # a learned shift beside given factors starts at Caffe's bias_filler (constant 0)
    both = make_layer('name: "s" type: "Scale" scale_param { bias_term: true }', [SHAPE, SHAPE[1:2]])
    assert [p.shape for p in both.params] == [(5,)]
    check_gradients(both, [x, rng.standard_normal(SHAPE[1:2])])


def test_a_scale_with_given_factors_fills_its_bias_with_the_bias_filler():
    from pyrpudl.net import parse_net
    from pyrpudl.net.net import Net

    net = Net(
        parse_net(
            """
            layer { name: "in" type: "Input" top: "x" top: "s"
                    input_param { shape { dim: 2 dim: 5 dim: 3 } shape { dim: 5 } } }
            layer { name: "scale" type: "Scale" bottom: "x" bottom: "s" top: "y"
                    scale_param { bias_term: true bias_filler { type: "constant" value: 0.5 } } }
            """
        ),
        "TEST",
        None,
        2,
    )
    assert net.params.weights("scale").shape == (5,) and (net.params.weights("scale") == 0.5).all()
