import numpy as np
import pytest

from pyrpudl.errors import InputError
from tests.net.layers.helpers import check_gradients, make_layer


@pytest.mark.parametrize("extra", ["", "transpose: true", "bias_term: false"])
def test_inner_product_forward_and_gradients(extra):
    layer = make_layer(
        f'name: "ip" type: "InnerProduct" inner_product_param {{ num_output: 3 {extra} }}', [(4, 2, 3, 2)]
    )
    x = np.random.default_rng(0).standard_normal((4, 2, 3, 2))
    weights = layer.params[0] if "transpose" in extra else layer.params[0].T
    want = x.reshape(4, -1) @ weights + (layer.params[1] if "bias_term" not in extra else 0)
    np.testing.assert_allclose(layer.forward([x], True)[0], want)
    check_gradients(layer, [x])


@pytest.mark.parametrize(
    "kind, extra",
    [("ReLU", ""), ("ReLU", "relu_param { negative_slope: 0.1 }"), ("Sigmoid", ""), ("TanH", "")],
)
def test_activations_gradients(kind, extra):
    x = np.random.default_rng(1).standard_normal((3, 4)) + 0.05  # away from ReLU's kink at 0
    layer = make_layer(f'name: "a" type: "{kind}" {extra}', [(3, 4)])
    check_gradients(layer, [x])


def test_relu_negative_slope():
    layer = make_layer('name: "a" type: "ReLU" relu_param { negative_slope: 0.5 }', [(1, 3)])
    assert layer.forward([np.array([[-2.0, 0.0, 3.0]])], True)[0].tolist() == [[-1.0, 0.0, 3.0]]


def loss_layer(extra=""):
    return make_layer(f'name: "loss" type: "SoftmaxWithLoss" {extra}', [(5, 4), (5,)])


def test_softmax_loss_is_the_mean_cross_entropy_and_its_gradient_checks():
    scores = np.random.default_rng(2).standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    want = -np.log(probabilities[np.arange(5), labels]).mean()
    layer = loss_layer()
    assert float(layer.forward([scores, labels], True)[0]) == pytest.approx(want)
    check_gradients(layer, [scores, labels], skip_bottoms=(1,))


def test_ignored_labels_do_not_count():
    scores = np.random.default_rng(3).standard_normal((5, 4))
    labels = np.array([0, 3, -1, 1, -1])
    layer = loss_layer("loss_param { ignore_label: -1 }")
    keep = labels >= 0
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    want = -np.log(probabilities[np.arange(5)[keep], labels[keep]]).mean()
    assert float(layer.forward([scores, labels], True)[0]) == pytest.approx(want)
    check_gradients(layer, [scores, labels], skip_bottoms=(1,))


def test_a_label_out_of_range_is_named():
    with pytest.raises(InputError, match="label 7 is outside the 4 classes"):
        loss_layer().forward([np.zeros((5, 4)), np.array([0, 1, 7, 1, 1])], True)


def test_accuracy_counts_ties_as_wrong_and_supports_top_k():
    scores = np.array([[0.9, 0.1, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.5, 0.4, 0.1]])
    labels = np.array([0, 1, 1, 2, 2])
    top1 = make_layer('name: "acc" type: "Accuracy"', [(5, 3), (5,)])
    assert float(top1.forward([scores, labels], False)[0]) == pytest.approx(0.2)  # the tie counts as wrong
    top2 = make_layer('name: "acc" type: "Accuracy" accuracy_param { top_k: 2 }', [(5, 3), (5,)])
    assert float(top2.forward([scores, labels], False)[0]) == pytest.approx(0.8)
