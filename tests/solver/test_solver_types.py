"""Caffe's solver types: which one a solver file asks for, the checks on it, and training with each."""

import json

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.kernels.cpu.sgd import solver_update
from pyrpudl.model_io import load_model, save_model
from pyrpudl.net import parse_solver
from pyrpudl.solver.solver_types import SOLVER_TYPES, TYPE_DEFAULTS, rate_factor, solver_type
from pyrpudl.solver.trainer import train
from tests.solver.conftest import sgd


def parse(text: str):
    return parse_solver(text + "\n")  # a newline: text, not a file name


def settings(kind: str, **fields):
    """Caffe's example settings for ``kind`` (TYPE_DEFAULTS), weight decay 0.0005."""
    base_lr, momentum, delta = TYPE_DEFAULTS[kind]
    solver = parse(f'type: "{kind}" base_lr: {base_lr} momentum: {momentum} delta: {delta} '
                          'weight_decay: 0.0005 lr_policy: "fixed"')  # fmt: skip
    for name, value in fields.items():
        setattr(solver, name, value)
    return solver


def test_the_type_comes_from_type_or_the_deprecated_enum():
    assert solver_type(parse('base_lr: 0.01 momentum: 0.9 lr_policy: "fixed"')) == "SGD"
    assert solver_type(parse('type: "Nesterov" momentum: 0.9')) == "Nesterov"
    assert solver_type(parse("solver_type: ADADELTA momentum: 0.95")) == "AdaDelta"
    assert solver_type(parse('type: "adam" momentum: 0.9')) == "Adam"  # Caffe's spelling, any case


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('type: "Adamm"', r"unknown solver type 'Adamm'; use one of SGD, Nesterov, AdaGrad, RMSProp, Ada"),
        ('type: "Adam" solver_type: ADAM', "both solver_type .deprecated. and type; keep only type"),
        ('type: "AdaGrad" momentum: 0.9', "cannot be used with AdaGrad .Caffe's rule.: set momentum to 0"),
        ('type: "RMSProp" momentum: 0.9', "momentum cannot be used with RMSProp"),
        ('type: "RMSProp" rms_decay: 1.0', r"rms_decay must lie in \[0, 1\), not 1.0"),
        ('type: "Adam" momentum: 0.9 momentum2: 1.5', r"momentum2 \(beta2\) in \[0, 1\)"),
        ('type: "AdaGrad" delta: 0', "delta must be positive"),
        ("iter_size: 0", "iter_size is the number of batches whose gradients each update sums: at least 1"),
    ],
)
def test_settings_caffe_refuses_are_clear_errors(text, message):
    with pytest.raises(InputError, match=message):
        solver_type(parse(text))


def test_adams_first_step_moves_each_weight_by_the_learning_rate():
    # with zero histories m = (1 - b1) g and v = (1 - b2) g^2: the corrected step is lr * sign(g)
    rng = np.random.default_rng(0)
    data, diff = rng.standard_normal(200).astype(np.float32), rng.standard_normal(200).astype(np.float32)
    before, ones, zeros = data.copy(), np.ones(200, np.float32), np.zeros(200, np.float32)
    solver = settings("Adam")
    rate = 0.001 * rate_factor("Adam", solver, 1)
    adam, hyper = SOLVER_TYPES.index("Adam"), map(np.float32, (0.9, 0.999, 0.99, 1e-8, 0.0))
    solver_update(data, zeros.copy(), zeros.copy(), diff, ones, zeros, np.float32(rate), adam, *hyper, False)
    np.testing.assert_allclose(before - data, 0.001 * np.sign(diff), rtol=1e-3)
    assert rate_factor("SGD", solver, 1) == 1.0 and rate_factor("Adam", solver, 10**6) == pytest.approx(1.0)


@pytest.mark.parametrize("kind", SOLVER_TYPES)
def test_each_type_lowers_the_training_cost(model, kind):
    # LeNet memorizing 12 images, with Caffe's example settings for the type
    costs = train(model, batch=4, iterations=45, solver=settings(kind), report=False).model.cost_log
    assert np.mean(costs[-6:]) < 0.8 * np.mean(costs[:6]), costs


@pytest.mark.parametrize("kind", ["Nesterov", "AdaDelta", "Adam"])
def test_a_resumed_run_equals_an_uninterrupted_one_for_every_history(model, kind):
    whole = train(model, batch=4, iterations=6, solver=settings(kind), report=False).model
    half = train(model, batch=4, iterations=3, solver=settings(kind), report=False).model
    resumed = train(half, batch=4, iterations=3, solver=settings(kind), report=False).model
    for name in ("data", "history", "history2"):
        np.testing.assert_array_equal(getattr(resumed.params, name), getattr(whole.params, name), name)
    assert resumed.history_type == kind and resumed.history_start == 0


def test_an_interrupted_chunk_rolls_back_both_of_adams_histories(model):
    def interrupt(line):
        if line.startswith("training @iter 3"):
            raise KeyboardInterrupt

    stopped = train(model, batch=4, iterations=10, solver=settings("Adam"), report=interrupt, display=1).model
    three = train(model, batch=4, iterations=3, solver=settings("Adam"), report=False).model
    assert stopped.iteration == 3
    for name in ("data", "history", "history2"):
        np.testing.assert_array_equal(getattr(stopped.params, name), getattr(three.params, name), name)


def test_a_new_type_starts_its_histories_afresh_and_says_so(model):
    lines = []
    with_sgd = train(model, batch=4, iterations=3, solver=sgd(), report=False).model
    solver = settings("Adam", weight_decay=0.0)
    adam = train(with_sgd, batch=4, iterations=1, solver=solver, report=lines.append, display=0).model
    assert lines[0] == "solver type Adam replaces SGD: its histories start afresh"
    assert (adam.history_type, adam.history_start) == ("Adam", 3)
    assert with_sgd.history_type == "SGD" and np.any(with_sgd.params.history != 0)  # the old model is intact
    # Adam's step count starts with its histories: the first step moves weights by about base_lr
    # (times lr_mult: LeNet's biases have 2)
    moved = np.abs(adam.params.data - with_sgd.params.data) / adam.params.lr_mult
    assert moved.max() <= 0.001 * 1.001 and np.median(moved[moved > 0]) > 0.0009


def test_a_saved_adam_model_resumes_exactly_and_an_old_file_loads_as_sgd(model, tmp_path):
    trained = train(model, batch=4, iterations=3, solver=settings("Adam"), report=False).model
    loaded = load_model(save_model(trained, tmp_path / "adam.npz"), trained.source)
    assert (loaded.history_type, loaded.history_start) == ("Adam", 0)
    a = train(trained, batch=4, iterations=2, solver=settings("Adam"), report=False).model
    b = train(loaded, batch=4, iterations=2, solver=settings("Adam"), report=False).model
    np.testing.assert_array_equal(a.params.data, b.params.data)
    # a file from before the solver types (format 1: one history, SGD's)
    with np.load(tmp_path / "adam.npz", allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files if name != "history2"}
    meta = json.loads(str(arrays["meta"]))
    meta = {k: v for k, v in meta.items() if not k.startswith("history")} | {"format": "pyrpudl-model-1"}
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    old = load_model(tmp_path / "old.npz", trained.source)
    assert old.history_type == "SGD" and not np.any(old.params.history2)
    np.testing.assert_array_equal(old.params.history, trained.params.history)


def test_rs_train_call_takes_a_type_with_its_own_defaults(model):
    from pyrpudl import r_api

    trained = r_api.train_model(model, 4, 2, solver_type="adagrad", report=False)["model"]
    assert trained.history_type == "AdaGrad"  # momentum defaulted to 0, as AdaGrad needs
    with pytest.raises(InputError, match="momentum cannot be used with AdaGrad"):
        r_api.train_model(model, 4, 1, momentum=0.9, solver_type="AdaGrad", report=False)
    with pytest.raises(InputError, match="unknown solver type 'Adamax'"):
        r_api.train_model(model, 4, 1, solver_type="Adamax", report=False)


def test_pythons_rpudltrain_keeps_the_solver_files_settings_unless_given(model, tmp_path):
    from pyrpudl.rpudl import rpudlTrain

    path = tmp_path / "solver.prototxt"
    path.write_text(
        'type: "Nesterov"\nbase_lr: 0.02\nmomentum: 0.8\nweight_decay: 0.001\nlr_policy: "inv"\n'
        "gamma: 0.001\npower: 0.75\n"
    )
    ours = rpudlTrain(model, batch=4, iter=3, solver=path, display=0)
    want = train(model, batch=4, iterations=3, solver=parse_solver(path), report=False).model
    np.testing.assert_array_equal(ours.params.data, want.params.data)
    assert ours.history_type == "Nesterov"


def test_clip_gradients_scales_a_long_gradient_to_the_threshold(model):
    # plain steps (no momentum, no decay, rate 1): the step is the clipped gradient times lr_mult
    solver = parse('base_lr: 1 momentum: 0 weight_decay: 0 lr_policy: "fixed" clip_gradients: 0.001')
    stepped = train(model, batch=4, iterations=1, solver=solver, report=False).model
    step = (model.params.data - stepped.params.data) / model.params.lr_mult
    assert np.linalg.norm(step.astype(np.float64)) == pytest.approx(0.001, rel=1e-5)
    solver.clip_gradients = 1e6  # far above this gradient's norm: no clipping
    unclipped = train(model, batch=4, iterations=1, solver=solver, report=False).model
    solver.ClearField("clip_gradients")
    plain = train(model, batch=4, iterations=1, solver=solver, report=False).model
    np.testing.assert_array_equal(unclipped.params.data, plain.params.data)
