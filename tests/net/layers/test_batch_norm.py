"""Caffe's BatchNorm and Scale layers: gradients by finite differences, which statistics each phase
uses and keeps, Caffe's parameter defaults, and a net with both training and predicting."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.net.caffemodel import save_weights
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.trainer import train
from tests import protowire as w
from tests import reference
from tests.net.layers.helpers import check_gradients, make_layer
from tests.solver.conftest import LENET, sgd


@pytest.mark.parametrize("shape", [(3, 2, 2, 2), (4, 3)])
def test_batch_norm_gradients_with_batch_statistics(shape):
    layer = make_layer('name: "bn" type: "BatchNorm"', [shape])
    x = np.random.default_rng(2).standard_normal(shape) * 3 + 1
    check_gradients(layer, [x], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("extra", ["bias_term: true", ""])
@pytest.mark.parametrize("shape", [(2, 3, 2, 2), (3, 2)])
def test_scale_gradients(extra, shape):
    layer = make_layer(f'name: "s" type: "Scale" scale_param {{ {extra} }}', [shape])
    check_gradients(layer, [np.random.default_rng(3).standard_normal(shape)])


def test_each_phase_normalizes_by_its_statistics_and_only_training_keeps_them():
    shape = (4, 2, 3)
    x = np.random.default_rng(4).standard_normal(shape) * 2
    layer = make_layer(
        'name: "bn" type: "BatchNorm" batch_norm_param { moving_average_fraction: 0.5 }', [shape]
    )
    running_mean, running_var, factor = (p.copy() for p in layer.params)
    factor[...] = abs(factor) + 1
    running_var[...] = abs(running_var)
    for param, value in zip(layer.params, (running_mean, running_var, factor), strict=True):
        param[...] = value
    trained = layer.forward([x], train=True)[0]
    want = reference.batch_norm(x, running_mean, running_var, factor, 1e-5, 0.5, False)
    np.testing.assert_allclose(trained, want[0], rtol=1e-6, atol=1e-7)
    for param, value in zip(layer.params, want[1:], strict=True):
        np.testing.assert_allclose(param, value, rtol=1e-6)
    kept = [p.copy() for p in layer.params]
    layer.forward([x], train=False)  # a forward outside training uses the batch but learns nothing
    assert all(np.array_equal(p, k) for p, k in zip(layer.params, kept, strict=True))
    layer.phase = pb.TEST  # Caffe's default in TEST: the blobs' statistics
    tested = layer.forward([x], train=False)[0]
    np.testing.assert_allclose(tested, reference.batch_norm(x, *kept, 1e-5, 0.5, True)[0], rtol=1e-6)
    forced = make_layer('name: "bn" type: "BatchNorm" batch_norm_param { use_global_stats: true }', [shape])
    for param, value in zip(forced.params, kept, strict=True):
        param[...] = value
    np.testing.assert_allclose(forced.forward([x], train=True)[0], tested, rtol=1e-12)  # in TRAIN too
    dy = np.ones(shape)
    np.testing.assert_allclose(
        forced.backward([dy], [x], [tested])[0], dy / np.sqrt(kept[1][None, :, None] / kept[2] + 1e-5)
    )


BN_LENET = LENET.read_text().replace(
    'layer {\n  name: "pool1"',
    'layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" param { lr_mult: 1 } }\n'
    'layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }\n'
    'layer {\n  name: "pool1"',
)


def test_a_net_with_batch_norm_trains_keeps_its_statistics_and_saves_them_for_caffe(model, tmp_path):
    assert "bn1" in BN_LENET
    net = create_model(BN_LENET, model.source, seed=1)
    params = net.params
    offset, _ = params.slots["bn1"][0]
    assert not params.lr_mult[offset : offset + 41].any()  # Caffe forces the statistics' lr_mult to 0
    assert np.all(params.weights("scale1") == 1) and not params.weights("scale1", 1).any()  # Scale's defaults
    trained = train(net, batch=4, iterations=3, solver=sgd(), report=False).model
    assert trained.params.weights("bn1", 2)[0] == pytest.approx(1 + 0.999 + 0.999**2)  # once per iteration
    assert not np.array_equal(trained.params.weights("scale1"), params.weights("scale1"))  # Scale learns
    x = model.source.test_images.reshape(4, -1)
    first = predict(trained, x[:1], "prob")
    assert np.allclose(predict(trained, x, "prob")[:1], first, atol=1e-6)  # TEST: no batch statistics
    layers = [
        w.decode(raw)
        for raw in w.values_of(
            w.decode(save_weights(trained, tmp_path / "bn.caffemodel").read_bytes()), w.NET_LAYER
        )
    ]
    bn = next(layer for layer in layers if w.values_of(layer, w.LAYER_NAME) == [b"bn1"])
    assert len(w.values_of(bn, w.LAYER_BLOBS)) == 3  # mean, variance, factor: Caffe's blobs


@pytest.mark.parametrize(
    "scale, message",
    [
        ('bottom: "conv1" bottom: "conv1"', "its second bottom .* must match the first bottom"),
        ('bottom: "conv1" scale_param { axis: 2 num_axes: 3 }', "num_axes 3 from axis 2 does not fit"),
        ('bottom: "conv1" scale_param { axis: 0 }', "learned values along axis 0"),
    ],
)
def test_scale_settings_that_do_not_fit_are_named(model, scale, message):
    text = LENET.read_text().replace(
        'layer {\n  name: "pool1"',
        f'layer {{ name: "s" type: "Scale" {scale} top: "conv1" }}\nlayer {{\n  name: "pool1"',
    )
    with pytest.raises(InputError, match=message):
        create_model(text, model.source)


@pytest.mark.parametrize(
    "settings",
    ["", "mvn_param { across_channels: true }", "mvn_param { normalize_variance: false }"],
)
def test_mvn_normalizes_each_channel_or_example_as_caffe(settings):
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5)) * 3 + 1
    layer = make_layer(f'name: "m" type: "MVN" {settings}', [x.shape])
    (out,) = layer.forward([x], True)
    rows = x.reshape(2, -1) if "across" in settings else x.reshape(6, -1)
    centred = rows - rows.mean(axis=1, keepdims=True)
    want = centred if "false" in settings else centred / (centred.std(axis=1, keepdims=True) + 1e-9)
    np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-6, atol=1e-9)
    check_gradients(layer, [x], rtol=1e-4, atol=1e-6)
