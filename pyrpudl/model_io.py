"""Saving and loading models without pickle: one .npz holding arrays and plain text only.

The file keeps the net's prototxt text, the flat parameters and the solver's histories (and which
solver type wrote them), the iteration, the data cursor, the seed, the cost log and the test log.
The data source is not stored (it can be large and lives on disk already): loading binds the model
to a data source of the same image shape.
"""

import json
from pathlib import Path

import numpy as np
from google.protobuf import text_format

from pyrpudl.data import DataSource
from pyrpudl.errors import InputError
from pyrpudl.files import atomic_file
from pyrpudl.model import Model, create_model
from pyrpudl.solver.solver_types import canonical_type

FORMAT = "pyrpudl-model-2"
# Format 1 (before the solver types) had one history, SGD's; its files load as SGD models.
READABLE = ("pyrpudl-model-1", FORMAT)


def save_model(model: Model, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (atomically: a failed save leaves any earlier file intact).

    Parameters
    ----------
    model
        The model to save.
    path
        The ``.npz`` file to write (arrays and text, no pickle).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if model.deploy:
        raise InputError(
            "a deploy net has no training state to save; save its weights as Caffe's file, with a "
            "file name ending in .caffemodel"
        )
    path = Path(path)
    meta = {
        "format": FORMAT,
        "iteration": model.iteration,
        "cursor": model.cursor,
        "seed": model.seed,
        "image_shape": list(model.source.shape),
        "history_type": model.history_type,
        "history_start": model.history_start,
    }
    with atomic_file(path) as out:
        np.savez(
            out,
            meta=np.array(json.dumps(meta)),
            prototxt=np.array(text_format.MessageToString(model.spec)),
            data=model.params.data,
            history=model.params.history,
            history2=model.params.history2,
            cost_log=np.asarray(model.cost_log, dtype=np.float64),
            accuracy_log=np.asarray(model.accuracy_log, dtype=np.float64),
            test_log=np.asarray(model.test_log, dtype=np.float64).reshape(-1, 3),
        )
    return path


def load_model(path: str | Path, source: DataSource | None = None) -> Model:
    """A model saved by :func:`save_model`, reading ``source`` (whose images must fit the net);
    None for a net of HDF5Data layers, which reads the files they name (from the working folder).

    Parameters
    ----------
    path
        A file written by :func:`save_model`.
    source
        The data source the model reads when it trains further or predicts (None: the HDF5Data
        layers' files).

    Returns
    -------
    Model
        The model, ready to resume training where it stopped.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            prototxt = str(stored["prototxt"])
            arrays = {k: stored[k] for k in ("data", "history", "cost_log", "accuracy_log")}
            arrays["history2"] = stored["history2"] if "history2" in stored.files else None
            arrays["test_log"] = stored["test_log"] if "test_log" in stored.files else np.empty((0, 3))
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path} is not a saved pyrpudl model ({exc})") from None
    if meta.get("format") not in READABLE:
        raise InputError(
            f"{path} has format {meta.get('format')!r}; this pyrpudl reads {', '.join(map(repr, READABLE))}"
        )
    if source is not None:  # before the net is built for it, which could fail less clearly
        _check_shape(path, meta, source)
    model = create_model(prototxt, source, seed=meta["seed"])
    if source is None:  # the HDF5Data files' examples
        _check_shape(path, meta, model.source)
    if arrays["data"].shape != model.params.data.shape:
        raise InputError(f"{path}: its parameters do not fit the net it describes; the file is damaged")
    model.params.data[:] = arrays["data"]
    model.params.history[:] = arrays["history"]
    if arrays["history2"] is not None:
        model.params.history2[:] = arrays["history2"]
    model.history_type = canonical_type(meta.get("history_type", "SGD"))
    model.history_start = int(meta.get("history_start", 0))
    model.iteration, model.cursor = int(meta["iteration"]), int(meta["cursor"])
    model.cost_log = arrays["cost_log"].tolist()
    model.accuracy_log = arrays["accuracy_log"].tolist()
    model.test_log = [(int(it), float(cost), float(accuracy)) for it, cost, accuracy in arrays["test_log"]]
    return model


def _check_shape(path: Path, meta: dict, source: DataSource) -> None:
    if tuple(meta["image_shape"]) != tuple(source.shape):
        raise InputError(
            f"{path} was trained on images of {meta['image_shape']}, but the data source's are "
            f"{list(source.shape)}"
        )
