"""Caffe's neuron layers (ELU, AbsVal, BNLL, Power, Exp, Log, Threshold, Clip, Swish) and the shape layers
Reshape, Split and Silence: gradients by finite differences, settings worked out as Caffe's, nets
with them train, and bad settings are named."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.model import create_model
from pyrpudl.net.shapes import ShapeError
from pyrpudl.solver.trainer import train
from tests.net.layers.helpers import check_gradients, make_layer, short_runs
from tests.solver.conftest import LENET, sgd

SHAPE = (2, 3, 2, 2)


def away_from_kinks(shape, seed=3):
    """Values at least 0.1 from 0, where ELU's and AbsVal's derivatives jump."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 0.1, 0.3, x)


@pytest.mark.parametrize(
    ("text", "x"),
    [
        ('type: "ELU" elu_param { alpha: 0.5 }', away_from_kinks(SHAPE)),
        ('type: "AbsVal"', away_from_kinks(SHAPE)),
        ('type: "BNLL"', away_from_kinks(SHAPE)),
        ('type: "Power" power_param { power: 3 scale: 0.5 shift: 0.2 }', away_from_kinks(SHAPE)),
        ('type: "Power" power_param { power: 0.5 scale: 1 shift: 5 }', away_from_kinks(SHAPE)),
        ('type: "Exp"', away_from_kinks(SHAPE)),
        ('type: "Exp" exp_param { base: 2 scale: 0.5 shift: 1 }', away_from_kinks(SHAPE)),
        ('type: "Log" log_param { base: 10 scale: 0.5 shift: 3 }', away_from_kinks(SHAPE)),
        ('type: "Threshold" threshold_param { threshold: 0.2 }', away_from_kinks(SHAPE)),
        ('type: "Clip" clip_param { min: -0.75 max: 0.5 }', away_from_kinks(SHAPE)),
        ('type: "Swish"', away_from_kinks(SHAPE)),
        ('type: "Swish" swish_param { beta: 2.5 }', away_from_kinks(SHAPE)),
    ],
)
def test_neuron_gradients(text, x):
    check_gradients(make_layer(f'name: "n" {text}', [SHAPE]), [x])


def test_exp_and_log_are_each_others_inverse_in_base_2():
    x = np.random.default_rng(1).standard_normal(SHAPE)
    exp = make_layer('name: "e" type: "Exp" exp_param { base: 2 scale: 3 shift: 1 }', [SHAPE])
    log = make_layer('name: "l" type: "Log" log_param { base: 2 }', [SHAPE])
    np.testing.assert_allclose(log.forward(exp.forward([x], True), True)[0], 1 + 3 * x, rtol=1e-10)


def test_a_base_that_is_not_positive_is_refused():
    for kind in ("exp", "log"):
        with pytest.raises(InputError, match="base -2 must be positive .*or -1"):
            make_layer(f'name: "b" type: "{kind.title()}" {kind}_param {{ base: -2 }}', [SHAPE])


def test_clip_bounds_its_values_and_passes_gradients_only_inside_them():
    x = np.array([-2.0, -0.5, 0.0, 0.3, 1.0, 4.0]).reshape(1, 6)
    clip = make_layer('name: "c" type: "Clip" clip_param { min: -0.5 max: 1 }', [x.shape])
    np.testing.assert_array_equal(clip.forward([x], True)[0], [[-0.5, -0.5, 0.0, 0.3, 1.0, 1.0]])
    # Caffe's: the bounds themselves pass the gradient
    dx = clip.backward([np.ones_like(x)], [x], clip.forward([x], True))[0]
    np.testing.assert_array_equal(dx, [[0, 1, 1, 1, 1, 0]])


def test_swish_with_beta_1_is_x_times_its_sigmoid():
    x = np.linspace(-6, 6, 13).reshape(1, 13)
    swish = make_layer('name: "s" type: "Swish"', [x.shape])
    np.testing.assert_allclose(swish.forward([x], True)[0], x / (1 + np.exp(-x)), rtol=1e-12)


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("", "needs both min and max"),
        ("clip_param { min: 1 }", "needs both"),
        ("clip_param { min: 2 max: 1 }", "min 2 is above max 1"),
    ],
)
def test_a_clip_without_sound_bounds_is_refused(param, message):
    with pytest.raises(InputError, match=message):
        make_layer(f'name: "c" type: "Clip" {param}', [SHAPE])


def test_reshape_gradients_and_caffes_0_and_minus_1():
    layer = make_layer('name: "r" type: "Reshape" reshape_param { shape { dim: [0, -1, 2] } }', [SHAPE])
    assert layer.top_shapes == [(2, 6, 2)]
    check_gradients(layer, [np.random.default_rng(2).standard_normal(SHAPE)])
    part = make_layer(
        'name: "r" type: "Reshape" reshape_param { axis: 1 num_axes: 1 shape { dim: [1, 3] } }', [SHAPE]
    )
    assert part.top_shapes == [(2, 1, 3, 2, 2)]


@pytest.mark.parametrize(
    ("dims", "message"),
    [
        ("[5, -1]", "do not divide"),
        ("[-1, -1]", "at most one"),
        ("[7]", "cannot reshape"),
        ("[0, 0, 0, 0, 0]", "does not fit"),
    ],
)
def test_a_reshape_that_does_not_fit_says_why(dims, message):
    with pytest.raises(ShapeError, match=message):
        make_layer(f'name: "r" type: "Reshape" reshape_param {{ shape {{ dim: {dims} }} }}', [SHAPE])


def test_split_sums_its_tops_gradients():
    split = make_layer('name: "s" type: "Split" bottom: "x" top: "a" top: "b" top: "c"', [SHAPE])
    check_gradients(split, [np.random.default_rng(4).standard_normal(SHAPE)])


def test_a_split_and_a_silence_change_nothing_in_training(model):
    """pool2 forks into ip1's input and a blob that Silence swallows: the same run as without."""
    fork = (
        'layer { name: "fork" type: "Split" bottom: "pool2" top: "pool2a" top: "unused" }\n'
        'layer { name: "quiet" type: "Silence" bottom: "unused" }\n'
    )
    text = LENET.read_text()
    forked = text.replace('layer {\n  name: "ip1"', fork + 'layer {\n  name: "ip1"')
    forked = forked.replace('bottom: "pool2"\n  top: "ip1"', 'bottom: "pool2a"\n  top: "ip1"')
    assert forked.count("pool2a") == 2
    runs = short_runs(model.source, text, forked)
    assert runs[0].cost_log == runs[1].cost_log
    assert np.array_equal(runs[0].params.data, runs[1].params.data)


@pytest.mark.parametrize(
    "unit", ['type: "ELU"', 'type: "Swish"', 'type: "Clip" clip_param { min: 0 max: 6 }']
)
def test_lenet_with_other_units_trains(model, unit):
    net = create_model(LENET.read_text().replace('type: "ReLU"', unit), model.source, seed=1)
    assert unit.split()[1].strip('"') in {layer.type for layer in net.spec.layer}
    trained = train(net, batch=4, iterations=3, solver=sgd(), report=False).model
    assert np.isfinite(trained.cost_log).all() and not np.array_equal(trained.params.data, net.params.data)
