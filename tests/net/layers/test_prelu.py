"""Caffe's PReLU layer: gradients by finite differences (a slope per channel, or one shared), and
Caffe's initial slope of 0.25."""

import numpy as np
import pytest

from pyrpudl.model import create_model
from pyrpudl.solver.trainer import train
from tests.net.layers.helpers import check_gradients, make_layer
from tests.solver.conftest import LENET, sgd


@pytest.mark.parametrize("extra", ["", "prelu_param { channel_shared: true }"])
@pytest.mark.parametrize("shape", [(2, 3, 2, 2), (3, 4)])
def test_prelu_gradients(extra, shape):
    layer = make_layer(f'name: "p" type: "PReLU" {extra}', [shape])
    assert layer.params[0].shape == ((1,) if extra else (shape[1],))
    check_gradients(layer, [np.random.default_rng(5).standard_normal(shape)])


def test_a_net_with_prelu_starts_at_caffes_slope_and_learns_it(model):
    text = LENET.read_text().replace('type: "ReLU"', 'type: "PReLU"')
    net = create_model(text, model.source, seed=1)
    assert np.all(net.params.weights("relu1") == 0.25)
    trained = train(net, batch=4, iterations=3, solver=sgd(), report=False).model
    assert not np.array_equal(trained.params.weights("relu1"), net.params.weights("relu1"))
