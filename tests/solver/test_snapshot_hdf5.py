"""Caffe's HDF5 snapshots (``snapshot_format: HDF5``): the pair Caffe writes and reads
(``.caffemodel.h5``, ``.solverstate.h5``, in Caffe's layout), a run resumed from it equals an
uninterrupted one, Caffe's own HDF5 files load, and files that are not Caffe's say so."""

import sys
from types import SimpleNamespace

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from pyrpudl.data import create_data_source  # noqa: E402
from pyrpudl.errors import InputError  # noqa: E402
from pyrpudl.model import create_model, predict  # noqa: E402
from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.caffemodel import copy_trained_layers, load_weights, read_net, save_weights  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.snapshot import plan_snapshots, restore_snapshot  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402
from tests.data.files import write_idx_set  # noqa: E402
from tests.net.test_shared_params import SHAPES, TIED, shapes_net  # noqa: E402
from tests.solver.conftest import sgd  # noqa: E402

TRAIN_LAYERS = ["mnist", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "loss"]


def hdf5(solver: pb.SolverParameter) -> pb.SolverParameter:
    solver.snapshot_format = pb.SolverParameter.HDF5
    return solver


def test_the_snapshot_pair_is_caffes_hdf5_layout(model, tmp_path):
    solver = hdf5(sgd())
    solver.lr_policy, solver.stepsize, solver.gamma = "step", 2, 0.5
    lines = []
    trained = train(model, batch=4, iterations=3, solver=solver, report=lines.append, display=0, snapshot=3,
                    snapshot_prefix=str(tmp_path / "s")).model  # fmt: skip
    weights, state = tmp_path / "s_iter_3.caffemodel.h5", tmp_path / "s_iter_3.solverstate.h5"
    assert f"snapshot @iter 3: {weights}, {state}" in lines
    assert sorted(p.name for p in tmp_path.glob("s_*")) == [weights.name, state.name]
    with h5py.File(weights, "r") as file:
        assert sorted(file["data"].keys()) == sorted(TRAIN_LAYERS)  # every layer, as Net::ToHDF5
        assert not file["data/pool1"].keys()
        for name, slots in trained.params.slots.items():
            group = file["data"][name]
            assert sorted(group.keys()) == [str(i) for i in range(len(slots))]
            for index in range(len(slots)):
                assert group[str(index)].dtype == np.float32
                np.testing.assert_array_equal(group[str(index)][()], trained.params.weights(name, index))
    with h5py.File(state, "r") as file:
        assert int(file["iter"][()]) == 3 and int(file["current_step"][()]) == 1
        assert file["learned_net"][()].decode() == str(weights)
        history = file["history"]
        slots = trained.params.owned_slots()
        assert len(history.keys()) == len(slots) == 8
        for index, (offset, shape) in enumerate(slots):
            want = trained.params.history[offset : offset + int(np.prod(shape))].reshape(shape)
            np.testing.assert_array_equal(history[str(index)][()], want)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_a_run_resumed_from_an_hdf5_snapshot_equals_the_uninterrupted_run(model, tmp_path, kind):
    settings = hdf5(sgd() if kind == "SGD" else pb.SolverParameter(base_lr=0.001, momentum=0.9, type="Adam"))
    settings.test_interval = 2
    prefix = str(tmp_path / "lenet")
    whole = train(model, batch=4, iterations=5, solver=settings, report=False, snapshot=3,
                  snapshot_prefix=prefix).model  # fmt: skip
    restored = restore_snapshot(model, prefix + "_iter_3.solverstate.h5")
    assert (restored.iteration, restored.cursor, restored.history_type) == (3, 12, kind)
    resumed = train(restored, batch=4, iterations=2, solver=settings, report=False).model
    np.testing.assert_array_equal(resumed.params.data, whole.params.data)
    np.testing.assert_array_equal(resumed.params.history2, whole.params.history2)
    assert resumed.cost_log == whole.cost_log and resumed.test_log == whole.test_log


def _caffe_hdf5_pair(model, tmp_path):
    """The HDF5 pair as Caffe writes it: weights of 0.25 (in doubles here: Caffe's reader converts),
    histories of 0.5, only Caffe's fields, the weights named where Caffe ran."""
    weights = tmp_path / "caffe_iter_7.caffemodel.h5"
    with h5py.File(weights, "w") as file:
        for name, slots in model.params.slots.items():
            group = file.create_group(f"data/{name}")
            for index, (_, shape) in enumerate(slots):
                group.create_dataset(str(index), data=np.full(shape, 0.25))
        file.create_group("data/not_in_the_net").create_dataset("0", data=np.ones(3, np.float32))
    state = tmp_path / "caffe_iter_7.solverstate.h5"
    with h5py.File(state, "w") as file:
        file["iter"] = np.int32(7)
        file["learned_net"] = np.bytes_(b"examples/mnist/caffe_iter_7.caffemodel.h5")
        file["current_step"] = np.int32(0)
        for index, (_, shape) in enumerate(model.params.owned_slots()):
            file.create_dataset(f"history/{index}", data=np.full(shape, 0.5, np.float32))
    return weights, state


def test_caffes_hdf5_files_load_as_weights_and_restore_as_a_state(model, tmp_path):
    weights, state = _caffe_hdf5_pair(model, tmp_path)
    loaded, report = load_weights(model, weights)
    assert np.all(loaded.params.data == 0.25) and loaded.iteration == 0
    assert report.ignored == ["not_in_the_net"] and not report.kept
    restored = restore_snapshot(model, state)
    assert np.all(restored.params.data == 0.25) and np.all(restored.params.history == 0.5)
    assert (restored.iteration, restored.cursor, restored.history_type) == (7, 7 * 64, "SGD")
    assert not restored.cost_log


def test_weights_saved_as_hdf5_predict_as_the_binary_ones(model, tmp_path):
    trained = train(model, batch=4, iterations=3, solver=sgd(), report=False).model
    from_h5, _ = load_weights(model, save_weights(trained, tmp_path / "m.caffemodel.h5"))
    from_proto, _ = load_weights(model, save_weights(trained, tmp_path / "m.caffemodel"))
    x = model.source.test_images.reshape(4, -1)
    assert np.array_equal(predict(from_h5, x, "prob"), predict(from_proto, x, "prob"))
    np.testing.assert_array_equal(from_h5.params.data, trained.params.data)


def test_shared_parameters_are_written_once_and_read_from_their_owner(tmp_path):
    write_idx_set(tmp_path / "mnist", n_train=8, n_test=2)
    source = create_data_source("mnist", tmp_path / "mnist", download=False)
    model = create_model(TIED, source, seed=2)
    trained = train(model, batch=4, iterations=6, solver=hdf5(sgd()), report=False, snapshot=3,
                    snapshot_prefix=str(tmp_path / "tied")).model  # fmt: skip
    with h5py.File(tmp_path / "tied_iter_3.caffemodel.h5", "r") as file:
        assert sorted(file["data/decode"].keys()) == ["1"]  # its weights are the encoder's
    resumed = restore_snapshot(model, tmp_path / "tied_iter_3.solverstate.h5")
    again = train(resumed, batch=4, iterations=3, solver=hdf5(sgd()), report=False).model
    np.testing.assert_array_equal(again.params.data, trained.params.data)
    loaded, _ = load_weights(create_model(TIED, source, seed=5), tmp_path / "tied_iter_6.caffemodel.h5")
    np.testing.assert_array_equal(loaded.layer_weights("decode"), trained.layer_weights("encode"))


def test_hdf5_files_that_are_not_caffes_say_what_they_lack(model, tmp_path):
    odd = tmp_path / "odd.h5"
    with h5py.File(odd, "w") as file:
        file["weights"] = np.ones(3)
    with pytest.raises(InputError, match="not Caffe's weights: it has no group 'data'"):
        load_weights(model, odd)
    with pytest.raises(InputError, match="not Caffe's solver state: it lacks 'iter' or 'history'"):
        restore_snapshot(model, odd)
    gap = tmp_path / "gap.caffemodel.h5"
    with h5py.File(gap, "w") as file:
        file.create_dataset("data/ip2/1", data=np.zeros(10, np.float32))
    with pytest.raises(InputError, match="layer 'ip2' has no dataset 0"):
        load_weights(model, gap)
    weights, state = _caffe_hdf5_pair(model, tmp_path)
    weights.unlink()
    with pytest.raises(
        InputError, match="resumes from the weights .*caffe_iter_7.caffemodel.h5, which is neither"
    ):
        restore_snapshot(model, state)


def test_the_plan_says_before_training_when_h5py_is_missing(tmp_path, monkeypatch):
    solver = hdf5(pb.SolverParameter(snapshot=10))
    assert plan_snapshots(solver, prefix=str(tmp_path / "x")).note is None
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now fails
    with pytest.raises(InputError, match="needs the h5py package: pip install h5py"):
        plan_snapshots(solver, prefix=str(tmp_path / "x"))


def test_a_permissive_share_takes_its_owners_values_in_its_own_shape(tmp_path):
    net = shapes_net("share_mode: PERMISSIVE", 2)
    spec = parse_net(SHAPES.replace("MODE", "share_mode: PERMISSIVE").replace("OUT", "2"))
    path = save_weights(SimpleNamespace(spec=spec, params=net.params), tmp_path / "p.caffemodel.h5")
    other = shapes_net("share_mode: PERMISSIVE", 2).params
    other.data[...] = 0
    copy_trained_layers(other, read_net(path, other), path, require_all=True)
    np.testing.assert_array_equal(other.weights("right"), net.params.weights("right"))
    assert other.weights("right").shape == (2, 6)


def test_an_hdf5_file_with_a_user_block_is_known_by_its_signature_further_in(model, tmp_path):
    """HDF5 may put its signature after a user block of 512, 1024, ... bytes (H5Fis_hdf5 looks there)."""
    from pyrpudl.hdf5_io import is_hdf5

    path = tmp_path / "blocked.caffemodel.h5"
    with h5py.File(path, "w", userblock_size=1024) as file:
        for name, slots in model.params.slots.items():
            for index, (_, shape) in enumerate(slots):
                file.create_dataset(f"data/{name}/{index}", data=np.full(shape, 0.75, np.float32))
    assert path.read_bytes()[:8] != b"\x89HDF\r\n\x1a\n" and is_hdf5(path)
    loaded, _ = load_weights(model, path)
    assert np.all(loaded.params.data == 0.75)
    assert not is_hdf5(tmp_path / "missing.h5")
