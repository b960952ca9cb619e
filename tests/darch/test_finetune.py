"""Fine-tuning: each fine-tune function against a reference or a known problem, the loop's testing,
stop criteria, values, interrupts and bad input."""

import numpy as np
import pytest

from pyrpudl import darch as dn
from pyrpudl.darch.minimize import minimize
from pyrpudl.darch.tuners import forward, gradients
from pyrpudl.errors import InputError
from tests import reference as ref

QUIET = dn.DarchLog.make(False)
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([[0], [1], [1], [0]], float)


def net(sizes=(2, 4, 1), seed=1, batch=2, **settings):
    darch = dn.new_darch(list(sizes), batch_size=batch, seed=seed, log=QUIET).with_units(
        "sigmoidUnitDerivative"
    )
    for name, value in settings.items():
        setattr(darch, name, value)
    return darch


def test_backpropagation_steps_equal_the_reference():
    darch = net(batch=4)
    weights = [layer.weights.copy() for layer in darch.layers]
    increments = [np.zeros_like(w) for w in weights]
    tuned = dn.fine_tune(darch, XOR_X, XOR_Y, 7, log=QUIET).darch  # momentum switches after epoch 5
    for epoch in range(7):
        momentum = 0.9 if epoch >= 5 else 0.5
        weights, increments = ref.backprop_step(weights, increments, XOR_X, XOR_Y, 0.1, 0.1, momentum)
    for layer, want in zip(tuned.layers, weights, strict=True):
        np.testing.assert_allclose(layer.weights, want, rtol=1e-12)
    assert tuned.epochs == 7 and darch.epochs == 0


@pytest.mark.parametrize("output", ["sigmoidUnitDerivative", "tanhUnitDerivative", "linearUnitDerivative"])
def test_gradients_match_finite_differences(output):
    rng = np.random.default_rng(0)
    darch = net((3, 4, 5, 2)).with_units(output, [2]).with_units("tanhUnitDerivative", [0])
    x, t = rng.random((6, 3)), rng.random((6, 2))

    def loss(d):
        y = dn.run(d, x)[0][-1]
        return 0.5 * np.sum((y - t) ** 2)

    outputs, slopes = forward(darch, x)
    grads = gradients(darch, x, outputs, slopes, (outputs[-1] - t) * slopes[-1])
    for i, layer in enumerate(darch.layers):
        for r, c in [(0, 0), (layer.weights.shape[0] - 1, layer.weights.shape[1] - 1)]:
            plus, minus = darch.copy(), darch.copy()
            plus.layers[i].weights[r, c] += 1e-6
            minus.layers[i].weights[r, c] -= 1e-6
            numeric = (loss(plus) - loss(minus)) / 2e-6
            assert grads[i][r, c] == pytest.approx(numeric, rel=1e-4, abs=1e-8)


@pytest.mark.parametrize("method", ["Rprop+", "Rprop-", "iRprop+", "iRprop-"])
def test_rprop_variants_fit_a_small_regression(method):
    rng = np.random.default_rng(4)
    x = rng.random((32, 3))
    t = 1 / (1 + np.exp(-(x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3)))  # a sigmoid unit can fit it exactly
    darch = net((3, 1), batch=32, fine_tune_function="rpropagation")
    tuned = dn.fine_tune(darch, x, t, 150, is_class=False, method=method, log=QUIET).darch
    errors = tuned.stats["dataErrors"]
    assert errors[-1] < 1e-3 * errors[0]


def test_rprop_rules_on_one_weight():
    """Step sizes grow by incFact while the gradient keeps its sign and shrink by decFact when it flips;
    Rprop+ then takes the last step back."""
    darch = net((1, 1), batch=1, fine_tune_function="rpropagation").with_units("linearUnitDerivative")
    darch.layers[0].weights[:] = [[0.0], [0.0]]
    x, t = np.array([[1.0]]), np.array([[1.0]])
    changes = []
    for _ in range(4):
        before = darch.layers[0].weights.copy()
        dn.TUNERS["rpropagation"](darch, x, t, method="Rprop+", initDelta=0.4)
        changes.append(float(darch.layers[0].weights[0, 0] - before[0, 0]))
    # the first step is initDelta, the second grows to 0.48 and overshoots the target (0.88 + 0.48 > 1):
    # the gradient flips, Rprop+ takes the step back and halves the step size, then goes on with 0.24
    assert changes == pytest.approx([0.4, 0.48, -0.48, 0.24])


def test_minimize_finds_the_minimum_of_a_quadratic():
    a = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
    b = np.array([1.0, -2.0, 0.5])
    x, values = minimize(lambda v: (0.5 * v @ a @ v - b @ v, a @ v - b), np.zeros(3), 10)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), atol=1e-8)
    assert values == sorted(values, reverse=True)


def test_minimize_on_the_rosenbrock_function():
    def rosenbrock(v):
        x, y = v
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2, np.array(
            [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
        )

    x, _ = minimize(rosenbrock, np.array([-1.2, 1.0]), 200)
    np.testing.assert_allclose(x, [1, 1], atol=1e-5)


def test_documented_xor_configuration_learns_all_four_rows():
    """The vignette's configuration: 2-4-1 with sigmoid units, minimizeClassifier, batch 4, 100 epochs
    (20 of 20 seeds learned it when this was written)."""
    darch = net(batch=4, fine_tune_function="minimizeClassifier", seed=7)
    tuned = dn.fine_tune(darch, XOR_X, XOR_Y, 100, log=QUIET).darch
    out = dn.run(tuned, XOR_X)[0][-1]
    assert np.array_equal(out > 0.5, XOR_Y > 0.5)


@pytest.mark.parametrize("tuner", ["minimizeClassifier", "minimizeAutoencoder", "backpropagation"])
def test_every_fine_tune_function_lowers_the_error(tuner):
    darch = net(batch=4, fine_tune_function=tuner, learn_rate_weights=1.0, learn_rate_biases=1.0)
    tuned = dn.fine_tune(darch, XOR_X, XOR_Y, 30, log=QUIET).darch
    assert tuned.stats["dataErrors"][-1] < tuned.stats["dataErrors"][0]


def test_top_layer_only_before_switch_layers():
    darch = net((2, 3, 2), batch=4, fine_tune_function="minimizeClassifier").with_units(
        "softmaxUnitDerivative", [1]
    )
    y = np.eye(2)[[0, 1, 1, 0]]
    tuned = dn.fine_tune(darch, XOR_X, y, 1, switchLayers=2, log=QUIET).darch
    np.testing.assert_array_equal(tuned.layers[0].weights, darch.layers[0].weights)
    assert not np.array_equal(tuned.layers[1].weights, darch.layers[1].weights)


def test_log_lines_statistics_and_stop_criterion():
    lines = []
    darch = net(batch=4, fine_tune_function="minimizeClassifier")
    outcome = dn.fine_tune(darch, XOR_X, XOR_Y, 500, valid=(XOR_X, XOR_Y), stop_class_err=100,
                           log=dn.DarchLog.make(lines.append))  # fmt: skip
    text = "\n".join(lines)
    assert "Number of Batches: 1" in text and "Epoch: 1 of 500" in text
    assert "Classification error on Train set 50%" in text or "Classification error on Train set 25%" in text
    assert "Validation set Quadratic-Error" in text
    assert outcome.stopped == "criterion" and outcome.epochs_done < 500
    assert "correct classifications (100%)" in text
    assert len(outcome.darch.stats["validErrors"]) == outcome.epochs_done
    assert outcome.darch.stats["dataClassErrors"][-1] == 0


def test_bad_targets_and_functions_are_explained():
    darch = net()
    with pytest.raises(InputError, match="4 rows .* and 1 columns"):
        dn.fine_tune(darch, XOR_X, np.zeros((3, 1)), log=QUIET)
    darch.fine_tune_function = "sgd"
    with pytest.raises(InputError, match="unknown fine-tune function 'sgd'; use one of backpropagation"):
        dn.fine_tune(darch, XOR_X, XOR_Y, log=QUIET)
    with pytest.raises(InputError, match="unknown unit function"):
        net().with_units("reluUnit")


def test_a_user_unit_function_is_called_and_must_give_a_derivative():
    calls = []

    def my_sigmoid(data, weights):
        calls.append(data.shape)
        s = 1 / (1 + np.exp(-data @ weights))
        return [s, s * (1 - s)]

    darch = net(batch=4).with_units(my_sigmoid, [1])
    own = dn.fine_tune(darch, XOR_X, XOR_Y, 3, log=QUIET).darch
    engine = dn.fine_tune(net(batch=4), XOR_X, XOR_Y, 3, log=QUIET).darch
    np.testing.assert_allclose(own.layers[1].weights, engine.layers[1].weights, rtol=1e-12)
    assert calls[0] == (4, 5)  # the ones column is there, as in darch
    with pytest.raises(InputError, match="returns no derivative"):
        dn.fine_tune(net().with_units(lambda d, w: [1 / (1 + np.exp(-d @ w))], [0]), XOR_X, XOR_Y, log=QUIET)


def test_an_interrupt_keeps_the_last_completed_epoch(monkeypatch):
    darch = net(batch=4)
    calls = {"n": 0}
    real = dn.TUNERS["backpropagation"]

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        real(*args, **kwargs)

    monkeypatch.setitem(dn.finetune.TUNERS, "backpropagation", interrupted)
    outcome = dn.fine_tune(darch, XOR_X, XOR_Y, 10, log=QUIET)
    assert outcome.stopped == "interrupted" and outcome.darch.epochs == 3
    expected = dn.fine_tune(net(batch=4), XOR_X, XOR_Y, 3, log=QUIET).darch
    monkeypatch.undo()
    np.testing.assert_array_equal(outcome.darch.layers[0].weights, expected.layers[0].weights)


def test_save_and_load_round_trip(tmp_path):
    darch = dn.pretrain(net(), XOR_X, 3, log=QUIET).darch
    darch = dn.fine_tune(darch.copy(), XOR_X, XOR_Y, 3, log=QUIET).darch
    darch.fine_tune_function = "rpropagation"
    darch = dn.fine_tune(darch, XOR_X, XOR_Y, 2, log=QUIET).darch
    back = dn.load_darch(dn.save_darch(darch, tmp_path / "xor.npz"))
    assert back.sizes == darch.sizes and back.epochs == darch.epochs and back.stats == darch.stats
    for a, b in zip(back.layers, darch.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert a.unit == b.unit and sorted(a.state) == sorted(b.state)
    np.testing.assert_array_equal(back.rbms[1].weight_inc, darch.rbms[1].weight_inc)
    more, again = (dn.fine_tune(d, XOR_X, XOR_Y, 2, log=QUIET).darch for d in (back, darch))
    np.testing.assert_array_equal(more.layers[0].weights, again.layers[0].weights)


def test_cross_entropy_of_saturated_single_precision_outputs_is_finite():
    from pyrpudl.darch.error_functions import cross_entropy_error

    y = np.array([[1.0, 0.0]], np.float32)
    assert np.isfinite(cross_entropy_error(y, np.array([[1.0, 0.0]], np.float32))[1])
    assert np.isfinite(cross_entropy_error(y, np.array([[0.0, 1.0]], np.float32))[1])


def test_buffered_log_hands_lines_over_in_bunches_and_on_flush():
    handed = []
    log = dn.DarchLog.make(handed.append, every=3600)
    log.info("first")  # the first line goes at once (nothing was handed over yet)
    log.info("second")
    log.debug("hidden")
    log.info("third")
    assert len(handed) == 1
    log.flush()
    assert handed[1].count("\n") == 1 and handed[1].endswith("] third")
    log.flush()
    assert len(handed) == 2


def test_an_interrupt_while_logging_between_epochs_keeps_the_completed_epochs():
    """Ctrl-C lands wherever Python is: in the log line after an epoch too (found driving a terminal)."""

    def interrupting(marker):
        def report(line):
            if marker in line:
                raise KeyboardInterrupt

        return dn.DarchLog.make(report)

    rbm = dn.new_rbm(2, 3, batch_size=2, seed=1)
    outcome = dn.train_rbm(rbm, XOR_X, 10, log=interrupting("Epoch 3 error"))
    assert outcome.stopped == "interrupted" and outcome.rbm.epochs == 3 and len(outcome.rbm.errors) == 3
    tuned = dn.fine_tune(net(batch=4), XOR_X, XOR_Y, 10, log=interrupting("Epoch: 3 of"))
    assert tuned.stopped == "interrupted" and tuned.darch.epochs == 2
    assert len(tuned.darch.stats["dataErrors"]) == 2
    pre = dn.pretrain(net(), XOR_X, 5, log=interrupting("with 4 visible"))  # between the two RBMs
    assert pre.stopped == "interrupted" and pre.darch.rbms[0].epochs == 5 and pre.darch.rbms[1].epochs == 0
