"""EuclideanLoss and SigmoidCrossEntropyLoss: Caffe's values, its normalization defaults, and
gradients by finite differences."""

import numpy as np
import pytest

from pyrpudl.net.prototxt import parse_net
from pyrpudl.net.shapes import ShapeError, infer_shapes
from tests.net.layers.helpers import check_gradients, make_layer

EUCLIDEAN = 'name: "l2" type: "EuclideanLoss" bottom: "a" bottom: "b" top: "loss"'
SIGMOID = 'name: "ce" type: "SigmoidCrossEntropyLoss" bottom: "x" bottom: "t" top: "loss"'


def test_euclidean_loss_value_and_gradients_of_both_bottoms():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 2, 2, 2)), rng.standard_normal((3, 8))
    layer = make_layer(EUCLIDEAN, [a.shape, b.shape])
    (loss,) = layer.forward([a, b], True)
    assert float(loss) == pytest.approx(np.sum((a.reshape(3, 8) - b) ** 2) / 6)
    check_gradients(layer, [a, b])


@pytest.mark.parametrize(
    ("loss_param", "divisor"),
    [("", 3), ("loss_param { normalize: true }", 24), ("loss_param { normalization: FULL }", 24)],
)
def test_sigmoid_cross_entropy_divides_by_the_batch_unless_told(loss_param, divisor):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((3, 8)) * 2, rng.random((3, 8))
    layer = make_layer(f"{SIGMOID} {loss_param}", [x.shape, t.shape])
    (loss,) = layer.forward([x, t], True)
    p = 1 / (1 + np.exp(-x))
    assert float(loss) == pytest.approx(-np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / divisor)
    check_gradients(layer, [x, t], skip_bottoms=(1,))


def test_sigmoid_cross_entropy_skips_ignored_targets():
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((2, 5)), rng.random((2, 5))
    t[0, :2] = 7
    layer = make_layer(f"{SIGMOID} loss_param {{ ignore_label: 7 normalize: true }}", [x.shape, t.shape])
    (loss,) = layer.forward([x, t], True)
    keep = t != 7
    p = 1 / (1 + np.exp(-x[keep]))
    assert float(loss) == pytest.approx(-np.sum(t[keep] * np.log(p) + (1 - t[keep]) * np.log(1 - p)) / 8)
    (dx, none) = layer.backward([np.asarray(1.0)], [x, t], [loss])
    assert none is None and np.all(dx[0, :2] == 0)
    check_gradients(layer, [x, t], skip_bottoms=(1,))


@pytest.mark.parametrize("kind", ["EuclideanLoss", "SigmoidCrossEntropyLoss"])
def test_targets_of_another_size_are_refused(kind):
    net = parse_net(
        f"""
        layer {{ name: "in" type: "Input" top: "x" top: "t"
                 input_param {{ shape {{ dim: 2 dim: 5 }} shape {{ dim: 2 dim: 4 }} }} }}
        layer {{ name: "loss" type: "{kind}" bottom: "x" bottom: "t" top: "loss" }}
        """
    )
    with pytest.raises(ShapeError, match="do not match the predictions"):
        infer_shapes(list(net.layer))


CONTRASTIVE = 'name: "c" type: "ContrastiveLoss" bottom: "a" bottom: "b" bottom: "y" top: "loss"'


@pytest.mark.parametrize("legacy", [False, True])
def test_contrastive_loss_pulls_similar_pairs_and_pushes_dissimilar_ones_past_the_margin(legacy):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((6, 3, 1, 1)) * 0.6, rng.standard_normal((6, 3, 1, 1)) * 0.6
    y = np.array([1, 0, 1, 0, 0, 0], np.int32)
    text = f"{CONTRASTIVE} contrastive_loss_param {{ margin: 2 legacy_version: {str(legacy).lower()} }}"
    layer = make_layer(text, [a.shape, b.shape, y.shape])
    (loss,) = layer.forward([a, b, y], True)
    d2 = np.sum((a - b).reshape(6, 3) ** 2, axis=1)
    dissimilar = np.maximum(2 - d2, 0) if legacy else np.maximum(2 - np.sqrt(d2), 0) ** 2
    assert (d2[y == 0] < 4).any() and (d2[y == 0] > 4).any()  # both sides of the margin
    assert float(loss) == pytest.approx(np.sum(np.where(y == 1, d2, dissimilar)) / 12)
    # Caffe's gradient has 1e-4 in the distance's denominator: close to, not exactly, the derivative
    check_gradients(layer, [a, b, y], skip_bottoms=(2,), rtol=1e-3, atol=1e-6)


def test_contrastive_loss_needs_a_similarity_per_pair():
    net = parse_net(
        """
        layer { name: "in" type: "Input" top: "a" top: "b" top: "y"
                input_param { shape { dim: 4 dim: 2 } shape { dim: 4 dim: 2 } shape { dim: 3 } } }
        layer { name: "loss" type: "ContrastiveLoss" bottom: "a" bottom: "b" bottom: "y" top: "loss" }
        """
    )
    with pytest.raises(ShapeError, match="3 similarities .* for 4 pairs"):
        infer_shapes(list(net.layer))
