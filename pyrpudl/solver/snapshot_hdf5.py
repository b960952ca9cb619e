"""Caffe's HDF5 solver state (``.solverstate.h5``, with ``snapshot_format: HDF5``): datasets
``iter``, ``learned_net`` (the ``.caffemodel.h5`` beside it) and ``current_step``, and a group
``history`` with one dataset per history blob ("0", "1", ...), as ``SGDSolver::
SnapshotSolverStateToHDF5`` writes. What an exact resumption needs beyond Caffe's fields (data
position, solver type, seed, logs) goes into datasets named ``rpudl_*``, which Caffe does not read.

Both directions go through the binary format's message (``SolverState``), so one restore serves
both formats.
"""

from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.files import atomic_path
from pyrpudl.hdf5_io import open_hdf5
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.proto.blobs import array_blob, blob_shape, blob_values

_INTEGERS = ("rpudl_cursor", "rpudl_history_start", "rpudl_seed")
_LOGS = ("rpudl_cost_log", "rpudl_accuracy_log")


def write_hdf5_state(state: pb.SolverState, path: str | Path) -> Path:
    """Write ``state`` (histories and all) as Caffe's HDF5 solver state ``path``."""
    path = Path(path)
    with atomic_path(path) as temporary, open_hdf5(temporary, "w", "HDF5 solver state") as file:
        file.create_dataset("iter", data=np.int32(state.iter))
        file.create_dataset("learned_net", data=np.bytes_(state.learned_net.encode()))
        file.create_dataset("current_step", data=np.int32(state.current_step))
        history = file.create_group("history")
        for index, blob in enumerate(state.history):
            history.create_dataset(str(index), data=blob_values(blob).reshape(blob_shape(blob)))
        for name in _INTEGERS:
            if state.HasField(name):
                file.create_dataset(name, data=np.int64(getattr(state, name)))
        if state.HasField("rpudl_history_type"):
            file.create_dataset("rpudl_history_type", data=np.bytes_(state.rpudl_history_type.encode()))
        for name in _LOGS:
            file.create_dataset(name, data=np.asarray(getattr(state, name), dtype=np.float64))
        tests = np.column_stack(
            [state.rpudl_test_iterations, state.rpudl_test_costs, state.rpudl_test_accuracies]
        )
        file.create_dataset("rpudl_test_log", data=tests.reshape(-1, 3).astype(np.float64))
    return path


def _scalar(file, name: str, path: Path):
    value = file[name][()]
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise InputError(f"{path}: {name} should be a single value")
    return value.reshape(-1)[0] if np.ndim(value) else value


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes | np.bytes_) else str(value)


def read_hdf5_state(path: Path) -> pb.SolverState:
    """The solver state in the HDF5 file ``path`` (Caffe's or ours) as a ``SolverState``."""
    state = pb.SolverState()
    with open_hdf5(path, what="solver state") as file:
        if "iter" not in file or "history" not in file:
            raise InputError(
                f"{path} is an HDF5 file but not Caffe's solver state: it lacks 'iter' or 'history'"
            )
        state.iter = int(_scalar(file, "iter", path))
        if "learned_net" in file:
            state.learned_net = _text(_scalar(file, "learned_net", path))
        if "current_step" in file:
            state.current_step = int(_scalar(file, "current_step", path))
        history = file["history"]
        count = len(history.keys())
        for index in range(count):
            if str(index) not in history:
                raise InputError(f"{path}: history holds {count} blobs but none named {index}")
            state.history.append(array_blob(np.asarray(history[str(index)][()], dtype=np.float32)))
        for name in _INTEGERS:
            if name in file:
                setattr(state, name, int(_scalar(file, name, path)))
        if "rpudl_history_type" in file:
            state.rpudl_history_type = _text(_scalar(file, "rpudl_history_type", path))
        for name in _LOGS:
            if name in file:
                getattr(state, name).extend(np.asarray(file[name][()], dtype=np.float64).tolist())
        if "rpudl_test_log" in file:
            for iteration, cost, accuracy in np.asarray(file["rpudl_test_log"][()]).reshape(-1, 3):
                state.rpudl_test_iterations.append(int(iteration))
                state.rpudl_test_costs.append(float(cost))
                state.rpudl_test_accuracies.append(float(accuracy))
    return state
