"""Caffe's Embed: rows looked up by index, their gradients summed per index, bad indices named."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from tests.net.layers.helpers import check_gradients, make_layer

INDICES = np.array([[3.0, 0.0, 3.0], [1.0, 3.0, 4.0]])  # index 3 three times, 2 never


def embed(bias=True, dtype=np.float64):
    text = (
        f'name: "e" type: "Embed" embed_param {{ num_output: 4 input_dim: 5 bias_term: {str(bias).lower()} }}'
    )
    return make_layer(text, [INDICES.shape], dtype)


@pytest.mark.parametrize("bias", [True, False])
def test_each_index_becomes_its_row(bias):
    layer = embed(bias)
    got = layer.forward([INDICES], train=False)[0]
    want = layer.params[0][INDICES.astype(int)] + (layer.params[1] if bias else 0)
    assert got.shape == (2, 3, 4) == layer.top_shapes[0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_the_gradient_sums_each_indexs_rows():
    layer = embed()
    layer.propagate_down = [False]
    layer.forward([INDICES], train=True)
    dy = np.random.default_rng(1).standard_normal((2, 3, 4))
    assert layer.backward([dy], [INDICES], [None]) == [None]
    want = np.zeros((5, 4))
    np.add.at(want, INDICES.astype(int).ravel(), dy.reshape(6, 4))
    np.testing.assert_allclose(layer.grads[0], want, rtol=1e-12)
    assert not layer.grads[0][2].any()  # an index absent from the batch
    np.testing.assert_allclose(layer.grads[1], dy.reshape(6, 4).sum(axis=0), rtol=1e-12)


def test_gradients_match_finite_differences():
    layer = embed()
    layer.propagate_down = [False]
    check_gradients(layer, [INDICES], skip_bottoms=(0,))


@pytest.mark.parametrize("value", [2.5, -1.0, 5.0])
def test_values_that_are_not_indices_are_named(value):
    bad = INDICES.copy()
    bad[1, 2] = value
    with pytest.raises(InputError, match=f"whole numbers from 0 to 4 \\(input_dim 5\\); found {value:g}"):
        embed().forward([bad], train=False)


def test_an_embed_after_a_learned_layer_says_it_has_no_input_gradient():
    layer = embed()
    layer.forward([INDICES], train=True)
    with pytest.raises(InputError, match="no gradient for its input"):
        layer.backward([np.ones((2, 3, 4))], [INDICES], [None])


WORDS = """
layer { name: "in" type: "Input" top: "word" top: "label"
        input_param { shape { dim: [8, 1] } shape { dim: [8] } } }
layer { name: "embed" type: "Embed" bottom: "word" top: "vector"
        embed_param { num_output: 3 input_dim: 8 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "score" type: "InnerProduct" bottom: "vector" top: "score"
        inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }
"""


def test_a_net_learns_which_words_are_even():
    net = Net(parse_net(WORDS), "TEST", None, 8, seed=0)
    inputs = {"word": np.arange(8, dtype=np.float32).reshape(8, 1), "label": np.arange(8) % 2}
    first = net.loss(net.forward(inputs, train=True))
    for _ in range(100):
        net.forward(inputs, train=True)
        net.backward()
        net.params.sgd_step(0.5, 0.9, 0.0)
    scores = net.forward(inputs, train=False)["score"]
    assert net.loss(net.forward(inputs, train=True)) < 0.1 * first
    np.testing.assert_array_equal(scores.argmax(axis=1), np.arange(8) % 2)
