"""HingeLoss, MultinomialLogisticLoss and InfogainLoss: Caffe's values and gradients (finite
differences), and nets that train and predict with them."""

import numpy as np
import pytest

from pyrpudl.data.mean_file import write_mean
from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.solver.trainer import train
from tests.net.layers.helpers import check_gradients, make_layer
from tests.solver.conftest import LENET

LABELS = np.array([2, 0, 1, 2], np.int32)


def scores(seed=0):
    return np.random.default_rng(seed).standard_normal((4, 3)) * 1.5


@pytest.mark.parametrize("norm", ["L1", "L2"])
def test_hinge_loss_is_caffes_one_against_all_margin(norm):
    x = scores()
    layer = make_layer(f'name: "h" type: "HingeLoss" hinge_loss_param {{ norm: {norm} }}', [x.shape, (4,)])
    (loss,) = layer.forward([x, LABELS], True)
    sign = np.where(np.arange(3)[None] == LABELS[:, None], -1.0, 1.0)
    margins = np.maximum(0, 1 + sign * x)
    assert float(loss) == pytest.approx((margins if norm == "L1" else margins**2).sum() / 4)
    check_gradients(layer, [x, LABELS], skip_bottoms=(1,))


def test_multinomial_logistic_loss_takes_probabilities():
    p = np.random.default_rng(1).dirichlet(np.ones(3), 4)
    layer = make_layer('name: "m" type: "MultinomialLogisticLoss"', [p.shape, (4,)])
    (loss,) = layer.forward([p, LABELS], True)
    assert float(loss) == pytest.approx(-np.log(p[np.arange(4), LABELS]).mean())
    check_gradients(layer, [p, LABELS], skip_bottoms=(1,))


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_infogain_loss_weighs_the_log_probabilities_by_h(tmp_path):
    x = scores(2)
    h = np.random.default_rng(3).random((3, 3))
    three = 'name: "i" type: "InfogainLoss" bottom: "x" bottom: "l" bottom: "h" top: "loss"'
    layer = make_layer(f'{three} top: "p"', [x.shape, (4,), h.shape])
    loss, prob = layer.forward([x, LABELS, h], True)
    p = softmax(x)
    np.testing.assert_allclose(prob, p)
    assert float(loss) == pytest.approx(-np.sum(h[LABELS] * np.log(p)) / 4)  # VALID: every label counts
    # the probabilities top is an output only (Caffe's backward reads the loss's gradient alone)
    layer = make_layer(three, [x.shape, (4,), h.shape])
    check_gradients(layer, [x, LABELS, h], skip_bottoms=(1, 2))
    # from a BlobProto file, with an ignored label; the identity matrix is SoftmaxWithLoss
    path = tmp_path / "h.binaryproto"
    write_mean(path, np.eye(3, dtype=np.float32).reshape(1, 3, 3))
    text = f'name: "i" type: "InfogainLoss" infogain_loss_param {{ source: "{path}" }}'
    text += " loss_param { ignore_label: 0 }"
    layer = make_layer(text, [x.shape, (4,)])
    (loss,) = layer.forward([x, LABELS], True)
    kept = LABELS != 0
    assert float(loss) == pytest.approx(-np.log(p[kept.nonzero()[0], LABELS[kept]]).mean())
    check_gradients(layer, [x, LABELS], skip_bottoms=(1,))


def test_infogain_loss_needs_its_matrix(tmp_path):
    with pytest.raises(InputError, match="InfogainLoss needs its matrix"):
        make_layer('name: "i" type: "InfogainLoss"', [(4, 3), (4,)])
    path = tmp_path / "h.binaryproto"
    write_mean(path, np.eye(2, dtype=np.float32).reshape(1, 2, 2))
    with pytest.raises(InputError, match="holds 4 values .* give a 3 x 3 matrix"):
        make_layer(
            f'name: "i" type: "InfogainLoss" infogain_loss_param {{ source: "{path}" }}', [(4, 3), (4,)]
        )


LOSS = '''  name: "loss"
  type: "SoftmaxWithLoss"
  bottom: "ip2"'''
SOFTMAX_THEN = '''  name: "prob" type: "Softmax" bottom: "ip2" top: "prob"
}
layer {
  name: "loss"
  type: "MultinomialLogisticLoss"
  bottom: "prob"'''


@pytest.mark.parametrize("kind", ["HingeLoss", "MultinomialLogisticLoss"])
def test_a_lenet_with_another_loss_trains_and_predicts(model, kind):
    """Caffe's LeNet with its classifier loss replaced: the batch accuracy is logged, and predict()
    gives classes and probabilities (softmax of the hinge's scores, the Softmax layer's own)."""
    text = LENET.read_text()
    assert LOSS in text
    text = text.replace(LOSS, LOSS.replace("SoftmaxWithLoss", kind) if kind == "HingeLoss" else SOFTMAX_THEN)
    changed = create_model(text, model.source, seed=1)
    assert any(layer.type == kind for layer in changed.spec.layer)
    trained = train(changed, batch=4, iterations=3, report=False).model
    assert np.isfinite(trained.cost_log).all() and not np.isnan(trained.accuracy_log).any()
    x = model.source.test_images.reshape(len(model.source.test_images), -1)
    prob = predict(trained, x, "prob")
    np.testing.assert_allclose(prob.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(predict(trained, x), prob.argmax(axis=1))
    if kind == "MultinomialLogisticLoss":  # the Softmax layer's probabilities, not softmax again
        from pyrpudl.extract import extract_features

        np.testing.assert_allclose(prob, extract_features(trained, x, "prob"), rtol=1e-6)
