"""Caffe's Reduction and Tile against NumPy, their gradients by finite differences, and a net that
learns through a Reduction used as its loss."""

import numpy as np
import pytest

from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from pyrpudl.net.shapes import ShapeError, infer_shapes
from tests.net.layers.helpers import check_gradients, make_layer

SHAPE = (2, 3, 4, 5)
NUMPY = {
    "SUM": lambda x: x.sum(axis=1),
    "ASUM": lambda x: np.abs(x).sum(axis=1),
    "SUMSQ": lambda x: (x**2).sum(axis=1),
    "MEAN": lambda x: x.mean(axis=1),
}


def reduction(operation: str, axis: int, coeff: float = 1.0, shape=SHAPE):
    param = f"operation: {operation} axis: {axis} coeff: {coeff}"
    text = f'name: "r" type: "Reduction" reduction_param {{ {param} }}'
    return make_layer(text, [shape])


def bottom(shape=SHAPE, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.1, x)  # no value at ASUM's kink


@pytest.mark.parametrize("operation", list(NUMPY))
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_reduction_is_numpys_over_the_tail_axes(operation, axis):
    layer = reduction(operation, axis, coeff=-1.5)
    x = bottom()
    kept = SHAPE[: axis % 4]
    got = layer.forward([x], train=False)[0]
    assert got.shape == kept == layer.top_shapes[0]
    want = -1.5 * NUMPY[operation](x.reshape(int(np.prod(kept)), -1)).reshape(kept)
    np.testing.assert_allclose(got, want, rtol=1e-6)  # the ops take float32 scalars (1.5 / n)


@pytest.mark.parametrize("operation", list(NUMPY))
@pytest.mark.parametrize("axis", [0, 2])
def test_reduction_gradients_match_finite_differences(operation, axis):
    check_gradients(reduction(operation, axis, coeff=0.7), [bottom()])


@pytest.mark.parametrize("axis, tiles", [(0, 2), (1, 3), (3, 2), (-2, 1)])
def test_tile_repeats_the_block_from_its_axis(axis, tiles):
    layer = make_layer(f'name: "t" type: "Tile" tile_param {{ axis: {axis} tiles: {tiles} }}', [SHAPE])
    x = bottom()
    got = layer.forward([x], train=False)[0]
    np.testing.assert_array_equal(got, np.concatenate([x] * tiles, axis=axis))
    assert got.shape == layer.top_shapes[0]
    check_gradients(layer, [x])


def test_bad_axes_and_tiles_are_named():
    def shapes(text):
        net = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: [2, 3] } } }' + text
        return infer_shapes(parse_net(net).layer)

    with pytest.raises(ShapeError, match="'r' \\(Reduction\\): axis 2 is outside \\[2, 3\\]"):
        shapes('layer { name: "r" type: "Reduction" bottom: "x" top: "y" reduction_param { axis: 2 } }')
    with pytest.raises(ShapeError, match="tiles must be at least 1, not 0"):
        shapes('layer { name: "t" type: "Tile" bottom: "x" top: "y" tile_param { tiles: 0 } }')


SHRINK = """
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: [4, 3] } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y"
        inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 1 } } }
layer { name: "wide" type: "Tile" bottom: "y" top: "wide" tile_param { axis: 1 tiles: 3 } }
layer { name: "loss" type: "Reduction" bottom: "wide" top: "loss" loss_weight: 0.5
        reduction_param { operation: SUMSQ } }
"""


def test_a_reduction_with_a_loss_weight_is_a_loss_that_training_lowers():
    net = Net(parse_net(SHRINK), "TEST", None, 4, seed=0, dtype=np.float64)
    x = {"x": np.random.default_rng(3).standard_normal((4, 3))}
    first = net.loss(net.forward(x, train=True))
    weights = net.params.weights("fc").copy()
    y = x["x"] @ weights.T + net.params.weights("fc", 1)
    assert first == pytest.approx(0.5 * 3 * (y**2).sum())
    for _ in range(20):
        net.forward(x, train=True)
        net.backward()
        net.params.sgd_step(0.01, 0.0, 0.0)
    assert net.loss(net.forward(x, train=True)) < 0.5 * first
