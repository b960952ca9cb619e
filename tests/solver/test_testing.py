"""Caffe's test phase during training: the TEST net's cost and accuracy on the test images, every
``test_interval`` iterations, logged in the model."""

import numpy as np
import pytest

from pyrpudl.data import create_data_source
from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.model_io import load_model, save_model
from pyrpudl.solver.trainer import train
from tests.data.files import write_idx_set
from tests.solver.conftest import LENET, sgd


@pytest.fixture
def model(tmp_path):
    write_idx_set(tmp_path, n_train=12, n_test=7)
    return create_model(LENET, create_data_source("mnist", tmp_path, download=False), seed=1)


def expected(model, count=7):
    """Cross-entropy and accuracy of the model's own predictions, written out."""
    x = model.source.test_images[:count].reshape(count, -1)
    labels = model.source.test_labels[:count]
    probabilities = predict(model, x, "prob").astype(np.float64)
    cost = -np.mean(np.log(probabilities[np.arange(count), labels]))
    return cost, np.mean(probabilities.argmax(axis=1) == labels)


def test_training_tests_every_interval_and_before_the_first_iteration(model):
    lines = []
    solver = sgd()
    solver.test_interval = 2
    trained = train(model, batch=4, iterations=5, solver=solver, report=lines.append, display=2).model
    assert [it for it, _, _ in trained.test_log] == [0, 2, 4]
    tests = [line for line in lines if line.startswith("testing")]
    assert tests[0].startswith("testing @iter 0, cost ") and tests[0].endswith("% on 7 test images")
    assert (
        lines.index(tests[1]) == lines.index(next(line for line in lines if "training @iter 2" in line)) + 1
    )
    # the last pass is the model of iteration 4: replay 4 iterations and test it directly
    at_four = train(model, batch=4, iterations=4, solver=sgd(), report=False).model
    _, cost, accuracy = trained.test_log[-1]
    want_cost, want_accuracy = expected(at_four)
    assert cost == pytest.approx(want_cost, rel=1e-5) and accuracy == want_accuracy
    assert not model.test_log  # the model handed in is unchanged


def test_a_resumed_run_does_not_test_its_start_again_and_the_log_is_saved(model, tmp_path):
    solver = sgd()
    solver.test_interval = 3
    half = train(model, batch=4, iterations=3, solver=solver, report=False).model
    resumed = train(half, batch=4, iterations=3, solver=solver, report=False).model
    assert [it for it, _, _ in resumed.test_log] == [0, 3, 6]
    loaded = load_model(save_model(resumed, tmp_path / "m.npz"), model.source)
    assert loaded.test_log == resumed.test_log


def test_test_iter_batches_of_the_test_layer_and_the_argument_overrides_the_solver(model):
    text = LENET.read_text().replace("batch_size: 100", "batch_size: 3")  # the TEST layer's
    small = create_model(text, model.source, seed=1)
    solver = sgd()
    solver.test_interval, solver.test_initialization = 100, False
    solver.test_iter.append(2)  # two TEST batches of 3: 6 of the 7 test images
    lines = []
    trained = train(small, batch=4, iterations=2, solver=solver, report=lines.append, test_interval=1).model
    assert [it for it, _, _ in trained.test_log] == [1, 2]
    assert sum("on 6 test images" in line for line in lines) == 2
    want_cost, want_accuracy = expected(trained, 6)
    assert trained.test_log[-1][1:] == (pytest.approx(want_cost, rel=1e-5), want_accuracy)
    assert not train(
        model, batch=4, iterations=2, solver=solver, report=False, test_interval=0
    ).model.test_log
    with pytest.raises(InputError, match="test_interval must be 0 .no testing. or a number of iterations"):
        train(model, batch=4, iterations=1, solver=sgd(), report=False, test_interval=-5)


def test_test_labels_the_net_cannot_score_are_refused_before_training(model):
    model.source.test_labels = model.source.test_labels.copy()
    model.source.test_labels[2] = 12  # LeNet scores 10 classes
    with pytest.raises(InputError, match="test labels run from .* to 12, but the net scores 10 classes"):
        train(model, batch=4, iterations=1, solver=sgd(), report=False, test_interval=1)


def _top_k(model, k, count=7):
    probabilities = predict(model, model.source.test_images[:count].reshape(count, -1), "prob")
    ranks = (probabilities > probabilities[np.arange(count), model.source.test_labels[:count]][:, None]).sum(
        1
    )
    return np.mean(ranks < k)


TOP3 = 'layer { name: "top3" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy_top3"\n'
TOP3 += "  accuracy_param { top_k: 3 } include { phase: TEST } }\n"


def test_the_test_phase_reports_each_output_of_the_test_net_as_the_net_defines_it(model):
    text = LENET.read_text().replace('  top: "loss"\n', '  top: "loss"\n  loss_weight: 2\n') + TOP3
    net = create_model(text, model.source, seed=1)
    lines = []
    solver = sgd()
    solver.test_interval = 2
    trained = train(net, batch=4, iterations=2, solver=solver, report=lines.append, display=0).model
    cost, accuracy = expected(trained)
    assert trained.test_log[-1][1:] == (pytest.approx(2 * cost, rel=1e-5), accuracy)  # loss_weight counts
    line = lines[-2]
    assert line.startswith("testing @iter 2, ") and "on 7 test images; accuracy_top3 = " in line
    assert float(line.rsplit("= ", 1)[1]) == pytest.approx(_top_k(trained, 3), abs=1e-6)


def test_the_accuracy_is_the_first_accuracy_layers_with_its_top_k_or_top_1_without_one(model):
    first_top3 = LENET.read_text().replace(
        'top: "accuracy"\n', 'top: "accuracy"\n  accuracy_param { top_k: 3 }\n'
    )
    lines = []
    solver = sgd()
    solver.test_interval = 1
    trained = train(create_model(first_top3, model.source, seed=1), batch=4, iterations=1, solver=solver,
                    report=lines.append, display=0).model  # fmt: skip
    assert trained.test_log[-1][2] == pytest.approx(_top_k(trained, 3))
    assert "% (top 3) on 7 test images" in lines[-2]
    block = 'layer {\n  name: "accuracy"\n  type: "Accuracy"\n  bottom: "ip2"\n  bottom: "label"\n'
    block += '  top: "accuracy"\n  include {\n    phase: TEST\n  }\n}\n'
    assert block in LENET.read_text()
    without = LENET.read_text().replace(
        block, ""
    )  # a TEST net without an Accuracy layer: top-1 of its scores
    trained = train(create_model(without, model.source, seed=1), batch=4, iterations=1, solver=solver,
                    report=False).model  # fmt: skip
    assert trained.test_log[-1][1:] == (pytest.approx(expected(trained)[0], rel=1e-5), expected(trained)[1])
