"""Caffe's snapshots: every ``snapshot`` iterations the weights as ``{prefix}_iter_{N}.caffemodel``
and the solver's state as ``{prefix}_iter_{N}.solverstate``, files Caffe itself reads (``caffe train
--snapshot``, ``--weights``); and resuming from such a pair. With ``snapshot_format: HDF5`` the pair
is Caffe's HDF5 one, ``.caffemodel.h5`` and ``.solverstate.h5`` (:mod:`pyrpudl.net.caffemodel_hdf5`,
:mod:`pyrpudl.solver.snapshot_hdf5`); restoring reads either format, whatever the file's name.

Where this departs from Caffe, on purpose: a call returns its trained model, so there is no extra
snapshot after training (``snapshot_after_train``); a solver file's prefix whose folder does not
exist turns snapshots off with a note instead of failing (Caffe's example files point into a Caffe
checkout), while a prefix given to the call gets its folder made.
The solverstate also carries what an exact resumption needs beyond Caffe's fields (data position,
solver type, logs), in fields Caffe skips.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.files import atomic_file
from pyrpudl.hdf5_io import h5py, is_hdf5
from pyrpudl.net.caffemodel import (
    blob_array,
    copy_trained_layers,
    parse_binary,
    read_net,
    same_shape,
    save_weights,
)
from pyrpudl.net.transform import batch_size
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.proto.blobs import array_blob
from pyrpudl.solver.snapshot_hdf5 import read_hdf5_state, write_hdf5_state
from pyrpudl.solver.solver_types import canonical_type

TWO_HISTORIES = ("AdaDelta", "Adam")  # the types that keep a second history per parameter


@dataclass
class SnapshotPlan:
    every: int  # iterations between snapshots; 0: none
    prefix: str = ""
    note: str | None = None  # said once before training: why there are none, or what differs


def plan_snapshots(
    solver: pb.SolverParameter,
    every: int | None = None,
    prefix: str | None = None,
    solver_file: str | None = None,
    net_name: str = "",
) -> SnapshotPlan:
    """Where and how often a run snapshots: ``every`` and ``prefix`` given to the call, else the
    solver's ``snapshot`` and ``snapshot_prefix`` (an empty prefix: the solver file's path without
    its extension; a folder: that folder and the solver file's, or the net's, name)."""
    every = solver.snapshot if every is None else int(every)
    if every < 0:
        raise InputError(f"snapshot must be 0 (no snapshots) or a number of iterations, not {every}")
    if every == 0:
        return SnapshotPlan(0)
    given = prefix is not None
    text = str(prefix) if given else solver.snapshot_prefix
    if not text:
        if not solver_file:
            raise InputError(
                f"snapshots every {every} iterations need a snapshot prefix: e.g. 'runs/lenet' writes "
                f"runs/lenet_iter_{every}.caffemodel and runs/lenet_iter_{every}.solverstate"
            )
        text = str(Path(solver_file).with_suffix(""))
    path = Path(text).expanduser()
    if text.endswith(("/", os.sep)) or path.is_dir():
        path = path / (Path(solver_file).stem if solver_file else (net_name or "snapshot"))
    folder = path.parent
    if not folder.is_dir():
        if not given:
            return SnapshotPlan(
                0,
                str(path),
                f"no snapshots: the solver's snapshot_prefix {text!r} is in {folder}, which does not exist "
                "here (create it, or give a snapshot prefix)",
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot make the snapshot folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write snapshots in {folder}: it is not writable; give another prefix")
    if solver.snapshot_format == pb.SolverParameter.HDF5:
        h5py()  # says now, before training, if HDF5 cannot be written here
    return SnapshotPlan(every, str(path))


def snapshot_paths(prefix: str, iteration: int, hdf5: bool = False) -> tuple[Path, Path]:
    """Caffe's snapshot file names for ``prefix`` after ``iteration`` iterations (``hdf5``: its
    HDF5 pair's, ending in .h5)."""
    base, end = f"{prefix}_iter_{iteration}", ".h5" if hdf5 else ""
    return Path(f"{base}.caffemodel{end}"), Path(f"{base}.solverstate{end}")


def current_step(solver: pb.SolverParameter, iteration: int) -> int:
    """Caffe's ``current_step_`` after ``iteration`` updates: the step of the last update's rate."""
    if iteration == 0:
        return 0
    last = iteration - 1
    if solver.lr_policy == "step" and solver.stepsize > 0:
        return last // solver.stepsize
    if solver.lr_policy == "multistep":
        return sum(1 for value in solver.stepvalue if last >= value)
    return 0


def _history_blobs(params, array: np.ndarray) -> list[pb.BlobProto]:
    """One blob per learnable parameter, in net order, a shared one once (Caffe's history_)."""
    blobs = []
    for offset, shape in params.owned_slots():
        blobs.append(array_blob(array[offset : offset + int(np.prod(shape))].reshape(shape)))
    return blobs


def write_snapshot(model, prefix: str, solver: pb.SolverParameter) -> tuple[Path, Path]:
    """Write ``model`` (host parameters) as Caffe's snapshot pair, in the solver's
    ``snapshot_format``; returns the two paths."""
    hdf5 = solver.snapshot_format == pb.SolverParameter.HDF5
    weights, state_path = snapshot_paths(prefix, model.iteration, hdf5)
    save_weights(model, weights)
    state = pb.SolverState(
        iter=model.iteration,
        learned_net=str(weights),
        current_step=current_step(solver, model.iteration),
        rpudl_cursor=model.cursor,
        rpudl_history_type=model.history_type,
        rpudl_history_start=model.history_start,
        rpudl_seed=model.seed,
    )
    state.history.extend(_history_blobs(model.params, model.params.history))
    if model.history_type in TWO_HISTORIES:
        state.history.extend(_history_blobs(model.params, model.params.history2))
    state.rpudl_cost_log.extend(model.cost_log)
    state.rpudl_accuracy_log.extend(model.accuracy_log)
    for iteration, cost, accuracy in model.test_log:
        state.rpudl_test_iterations.append(int(iteration))
        state.rpudl_test_costs.append(float(cost))
        state.rpudl_test_accuracies.append(float(accuracy))
    if hdf5:
        write_hdf5_state(state, state_path)
    else:
        with atomic_file(state_path) as out:
            out.write(state.SerializeToString())
    return weights, state_path


def _read_state(path: Path) -> pb.SolverState:
    if is_hdf5(path):
        state = read_hdf5_state(path)
    else:
        state = parse_binary(path, pb.SolverState(), "solver state", "a Caffe .solverstate")
    if not state.HasField("iter") or not state.learned_net:
        raise InputError(f"{path} is not a Caffe .solverstate (it names no iteration or weights file)")
    return state


def _weights_file(state: pb.SolverState, path: Path) -> Path:
    """The state's learned_net: as written (Caffe's, relative to where it ran), else beside the state."""
    named = Path(state.learned_net).expanduser()
    if named.is_file():
        return named
    beside = path.parent / named.name
    if beside.is_file():
        return beside
    raise InputError(
        f"{path} resumes from the weights {state.learned_net}, which is neither there nor beside it in "
        f"{path.parent}"
    )


def _history_type(state: pb.SolverState, count: int, blobs: int, given: str | None, path: Path) -> str:
    if state.HasField("rpudl_history_type"):
        kind = canonical_type(state.rpudl_history_type)
    elif given is not None:
        kind = canonical_type(given)
    elif blobs == 2 * count:
        raise InputError(
            f"{path} holds two histories per parameter (AdaDelta or Adam): say which solver type wrote it"
        )
    else:
        kind = "SGD"  # SGD, Nesterov, AdaGrad and RMSProp keep one history each; Caffe does not say
    expected = count * (2 if kind in TWO_HISTORIES else 1)
    if blobs != expected:
        raise InputError(
            f"{path} holds {blobs} history blobs, but a {kind} solver for this net keeps {expected}; "
            "the state belongs to another net or solver type"
        )
    return kind


def restore_snapshot(model, path: str | Path, solver_type: str | None = None):
    """``model`` (built from the snapshot's prototxt) as the snapshot ``path`` (a .solverstate, or
    a .solverstate.h5) left it: weights, solver histories, iteration, and, for pyrpudl's snapshots,
    the data position and logs. A snapshot Caffe wrote resumes at iteration x TRAIN batch_size in
    the data, with empty logs; ``solver_type`` names its solver when the file cannot tell."""
    model.require_training_net("restoring a snapshot")
    path = Path(path).expanduser()
    state = _read_state(path)
    weights = _weights_file(state, path)
    restored = model.copy()
    params = restored.params
    copy_trained_layers(params, read_net(weights, params), weights, require_all=True)
    slots = params.owned_slots()
    kind = _history_type(state, len(slots), len(state.history), solver_type, path)
    arrays = [params.history, params.history2]
    for array in arrays:
        array[...] = 0
    for index, blob in enumerate(state.history):
        offset, target = slots[index % len(slots)]
        shape, values = blob_array(blob)
        if not same_shape(shape, target, legacy=not blob.HasField("shape")):
            raise InputError(
                f"{path}: history blob {index} has shape {list(shape)}, but the net's parameter there "
                f"is {list(target)}; the state belongs to another net"
            )
        arrays[index // len(slots)][offset : offset + values.size] = values
    restored.iteration = int(state.iter)
    restored.history_type = kind
    restored.history_start = int(state.rpudl_history_start)
    if state.HasField("rpudl_cursor"):
        restored.cursor = int(state.rpudl_cursor)
        restored.seed = int(state.rpudl_seed)
    else:
        restored.cursor = restored.iteration * (batch_size(restored.data_layer("TRAIN")) or 100)
    restored.cost_log = list(state.rpudl_cost_log)
    restored.accuracy_log = list(state.rpudl_accuracy_log)
    restored.test_log = [
        (int(it), float(cost), float(accuracy))
        for it, cost, accuracy in zip(
            state.rpudl_test_iterations, state.rpudl_test_costs, state.rpudl_test_accuracies, strict=True
        )
    ]
    return restored
