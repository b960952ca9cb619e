"""Caffe's snapshots during training, and resuming from them: the files are Caffe's pair with
Caffe's names and fields, a resumed run equals an uninterrupted one, Caffe's own states restore, and
settings that cannot work say so."""

from pathlib import Path

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.net import parse_solver
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver import trainer
from pyrpudl.solver.snapshot import current_step, plan_snapshots, restore_snapshot
from pyrpudl.solver.trainer import train
from tests import protowire as w
from tests.net.test_prototxt import CAFFE
from tests.solver.conftest import sgd


def adam():
    return pb.SolverParameter(base_lr=0.001, momentum=0.9, lr_policy="fixed", type="Adam")


def test_snapshots_come_every_interval_with_caffes_names_in_a_folder_made_for_them(model, tmp_path):
    lines = []
    prefix = tmp_path / "runs" / "lenet"
    train(model, batch=4, iterations=5, solver=sgd(), report=lines.append, display=0, snapshot=2,
          snapshot_prefix=str(prefix))  # fmt: skip
    names = sorted(p.name for p in prefix.parent.iterdir())
    assert names == [f"lenet_iter_{n}.{kind}" for n in (2, 4) for kind in ("caffemodel", "solverstate")]
    assert f"snapshot @iter 2: {prefix}_iter_2.caffemodel, {prefix}_iter_2.solverstate" in lines


@pytest.mark.parametrize("solver", [sgd, adam], ids=["SGD", "Adam"])
def test_a_run_resumed_from_a_snapshot_equals_the_uninterrupted_run(model, tmp_path, solver):
    prefix = str(tmp_path / "lenet")
    settings = solver()
    settings.test_interval = 2
    whole = train(model, batch=4, iterations=5, solver=settings, report=False, snapshot=3,
                  snapshot_prefix=prefix).model  # fmt: skip
    restored = restore_snapshot(model, prefix + "_iter_3.solverstate")
    assert (restored.iteration, restored.cursor, restored.history_type) == (3, 12, settings.type or "SGD")
    resumed = train(restored, batch=4, iterations=2, solver=settings, report=False).model
    assert np.array_equal(resumed.params.data, whole.params.data)
    assert np.array_equal(resumed.params.history2, whole.params.history2)
    assert resumed.cost_log == whole.cost_log and resumed.test_log == whole.test_log
    assert resumed.cursor == whole.cursor


def test_the_solverstate_holds_caffes_fields_one_history_blob_per_parameter(model, tmp_path):
    solver = sgd()
    solver.lr_policy, solver.stepsize, solver.gamma = "step", 2, 0.5
    trained = train(model, batch=4, iterations=3, solver=solver, report=False, snapshot=3,
                    snapshot_prefix=str(tmp_path / "s")).model  # fmt: skip
    fields = w.decode((tmp_path / "s_iter_3.solverstate").read_bytes())
    assert w.values_of(fields, w.STATE_ITER) == [3]
    assert w.values_of(fields, w.STATE_LEARNED_NET) == [str(tmp_path / "s_iter_3.caffemodel").encode()]
    assert w.values_of(fields, w.STATE_CURRENT_STEP) == [1]  # the last update, iteration 2, was in step 1
    history = [w.decode(raw) for raw in w.values_of(fields, w.STATE_HISTORY)]
    slots = [(name, i) for name, layer in trained.params.slots.items() for i in range(len(layer))]
    assert len(history) == len(slots) == 8
    for blob, (name, index) in zip(history, slots, strict=True):
        offset, shape = trained.params.slots[name][index]
        want = trained.params.history[offset : offset + int(np.prod(shape))]
        assert np.array_equal(w.unpack_floats(w.values_of(blob, w.BLOB_DATA)[0]), want)


def _caffe_state(model, tmp_path, histories: int) -> Path:
    """A snapshot pair as Caffe writes it (no pyrpudl fields), histories of 0.5."""
    weights = tmp_path / "caffe_iter_7.caffemodel"
    layers = b""
    for name, slots in model.params.slots.items():
        blobs = b"".join(
            w.field(w.LAYER_BLOBS, w.blob(np.full(int(np.prod(s)), 0.25), shape=s)) for _, s in slots
        )
        layers += w.field(w.NET_LAYER, w.field(w.LAYER_NAME, name) + blobs)
    weights.write_bytes(layers)
    blobs = [s for slots in model.params.slots.values() for _, s in slots] * histories
    state = w.field(w.STATE_ITER, 7) + w.field(w.STATE_LEARNED_NET, "elsewhere/caffe_iter_7.caffemodel")
    state += b"".join(w.field(w.STATE_HISTORY, w.blob(np.full(int(np.prod(s)), 0.5), shape=s)) for s in blobs)
    path = tmp_path / "caffe_iter_7.solverstate"
    path.write_bytes(state)
    return path


def test_a_state_caffe_wrote_restores_beside_its_weights(model, tmp_path):
    restored = restore_snapshot(model, _caffe_state(model, tmp_path, 1))
    assert np.all(restored.params.data == 0.25) and np.all(restored.params.history == 0.5)
    assert (restored.iteration, restored.history_type) == (7, "SGD")
    assert restored.cursor == 7 * 64  # LeNet's TRAIN batch_size: where Caffe's data would be
    assert not restored.cost_log
    two = _caffe_state(model, tmp_path, 2)
    with pytest.raises(InputError, match="two histories per parameter .*say which solver type"):
        restore_snapshot(model, two)
    adam_state = restore_snapshot(model, two, solver_type="adam")
    assert adam_state.history_type == "Adam" and np.all(adam_state.params.history2 == 0.5)
    with pytest.raises(InputError, match="holds 16 history blobs, but a SGD solver for this net keeps 8"):
        restore_snapshot(model, two, solver_type="SGD")


def test_restoring_a_state_of_another_net_or_no_state_is_refused(model, tmp_path):
    train(
        model,
        batch=4,
        iterations=1,
        solver=sgd(),
        report=False,
        snapshot=1,
        snapshot_prefix=str(tmp_path / "a"),
    )
    other = model.copy()
    other.params.slots = {"conv1": model.params.slots["conv1"], "extra": model.params.slots["ip2"]}
    with pytest.raises(InputError, match="lacks the weights of layer extra"):
        restore_snapshot(other, tmp_path / "a_iter_1.solverstate")
    (tmp_path / "a_iter_1.caffemodel").unlink()
    with pytest.raises(InputError, match="resumes from the weights .*a_iter_1.caffemodel, which is neither"):
        restore_snapshot(model, tmp_path / "a_iter_1.solverstate")
    (tmp_path / "junk.solverstate").write_bytes(b"\x08")
    with pytest.raises(InputError, match="not a Caffe .solverstate"):
        restore_snapshot(model, tmp_path / "junk.solverstate")


def test_a_solver_files_prefix_in_a_missing_folder_turns_snapshots_off_with_a_note(
    model, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # Caffe's example prefix, examples/mnist/lenet, is not here
    lines = []
    solver = parse_solver(CAFFE / "lenet_solver.prototxt")
    train(model, batch=4, iterations=1, solver=solver, report=lines.append, display=0)
    assert lines[0].startswith(
        "no snapshots: the solver's snapshot_prefix 'examples/mnist/lenet' is in examples/mnist"
    )
    assert not list(tmp_path.rglob("*.caffemodel"))
    (tmp_path / "examples" / "mnist").mkdir(parents=True)  # in a Caffe checkout it is there, as Caffe expects
    plan = plan_snapshots(solver)
    assert (plan.every, plan.prefix, plan.note) == (5000, "examples/mnist/lenet", None)


def test_caffes_prefix_defaults_and_what_cannot_work(tmp_path):
    solver = pb.SolverParameter(snapshot=10)
    solver_file = str(tmp_path / "my_solver.prototxt")
    assert plan_snapshots(solver, solver_file=solver_file).prefix == str(tmp_path / "my_solver")
    assert plan_snapshots(solver, prefix=str(tmp_path) + "/", solver_file=solver_file).prefix == str(
        tmp_path / "my_solver"
    )
    assert plan_snapshots(solver, prefix=str(tmp_path), net_name="LeNet").prefix == str(tmp_path / "LeNet")
    with pytest.raises(
        InputError, match="need a snapshot prefix: e.g. 'runs/lenet' writes runs/lenet_iter_10"
    ):
        plan_snapshots(solver)
    with pytest.raises(InputError, match="snapshot must be 0 .* not -1"):
        plan_snapshots(solver, every=-1)
    assert plan_snapshots(solver, every=0).every == 0


def test_caffes_current_step():
    step = pb.SolverParameter(lr_policy="step", stepsize=5)
    assert [current_step(step, n) for n in (0, 1, 5, 6, 11)] == [0, 0, 0, 1, 2]
    multi = pb.SolverParameter(lr_policy="multistep", stepvalue=[2, 4])
    assert [current_step(multi, n) for n in (2, 3, 5, 9)] == [0, 1, 2, 2]
    assert current_step(pb.SolverParameter(lr_policy="inv"), 100) == 0


def test_a_snapshot_that_cannot_be_written_is_said_and_training_goes_on(model, tmp_path, monkeypatch):
    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(trainer, "write_snapshot", full_disk)
    lines = []
    trained = train(model, batch=4, iterations=3, solver=sgd(), report=lines.append, display=0, snapshot=1,
                    snapshot_prefix=str(tmp_path / "x")).model  # fmt: skip
    assert trained.iteration == 3
    assert "snapshot @iter 1 failed: No space left on device; training goes on" in lines
