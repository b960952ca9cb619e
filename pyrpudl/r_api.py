"""The one contract between the R package and the engine.

R calls :func:`invoke` with a function name and named arguments; every function exported here
takes R-shaped arguments (see :mod:`pyrpudl.r_convert`) and returns values that convert to R
cheaply. :func:`invoke` never raises: it returns ``{"ok": True, "value": ...}`` or an error
record that the R side turns into a classed R condition. That keeps raw Python tracebacks out of
the user's R session and does not depend on how a reticulate version formats Python errors.
"""

import traceback

import numpy as np

from pyrpudl import data, r_interrupts
from pyrpudl.data.source import dims
from pyrpudl.errors import InputError, r_condition_classes
from pyrpudl.progress import make_reporter
from pyrpudl.r_convert import as_index_range, as_labels, as_matrix
from pyrpudl.r_darch import (  # noqa: F401
    darch_fine_tune,
    darch_pretrain,
    darch_run,
    darch_step,
    darch_to_disk,
    rbm_train,
    read_matrix,
    write_matrix,
)

# Functions R may call by name.
EXPORTS = (
    "info",
    "bridge_check",
    "create_data_source",
    "data_source_summary",
    "data_source_classes",
    "find_training_data_mean",
    "load_training_data_mean",
    "testing_data_samples",
    "pair_data_source",
    "array_data_source",
    "write_lmdb",
    "write_hdf5",
    "convert_to_lmdb",
    "create_model",
    "load_caffe_weights",
    "restore_snapshot",
    "snapshot_plan",
    "train_model",
    "training_summary",
    "predict_model",
    "net_input",
    "extract_features",
    "time_model",
    "model_cost_log",
    "model_is_deploy",
    "model_test_log",
    "last_cost",
    "layer_weights",
    "model_summary",
    "model_layers",
    "save_model",
    "load_model",
    "darch_pretrain",
    "darch_fine_tune",
    "darch_step",
    "darch_run",
    "rbm_train",
    "darch_to_disk",
    "read_matrix",
    "write_matrix",
)

r_interrupts.install()  # inside R: a Ctrl-C never makes R unwind past Python's frames


def invoke(name: str, kwargs: dict | list | None = None) -> dict:
    """Call the exported function ``name`` with ``kwargs``; report success or the error."""
    try:
        if name not in EXPORTS:
            raise InputError(f"the engine has no R function {name!r}; known: {', '.join(EXPORTS)}")
        # an empty named list in R arrives as an empty Python list
        kwargs = r_interrupts.guard_callbacks(kwargs or {})
        return {"ok": True, "value": globals()[name](**kwargs)}
    except (Exception, KeyboardInterrupt) as exc:
        return error_record(exc)


def error_record(exc: BaseException) -> dict:
    """What R needs to signal ``exc``: condition classes, a message, and the traceback for details."""
    classes = r_condition_classes(exc)
    message = str(exc) or type(exc).__name__
    if "rpud_internal_error" in classes:
        message = (
            f"internal error in the pyrpudl engine ({type(exc).__name__}: {message}). "
            "Please report it with the output of rpudLastError() and rpudlInfo()."
        )
    elif "rpud_interrupt" in classes:
        message = "interrupted"
    return {
        "ok": False,
        "classes": classes,
        "message": message,
        "python_type": type(exc).__name__,
        "traceback": "".join(traceback.format_exception(exc)),
    }


def info(
    python_reason: str = "it is the interpreter this R session loaded", extra: dict | None = None
) -> dict:
    """The installation report, and its text with R's own lines (``extra``) added."""
    from pyrpudl.info import collect, format_info

    report = collect(python_reason)
    return {"report": report, "text": format_info(report, extra)}


def bridge_check(x: object, y: object, report: object = None) -> dict:
    """Receive a matrix and labels as every R function does, describe how they arrived, send them back.

    Used by the bridge tests in every R host: a double or integer matrix must
    arrive without a copy, and labels (integers or a factor) must survive the round trip.
    """
    matrix = as_matrix(x, "x")
    labels = as_labels(y, "y")
    if len(labels) != matrix.shape[0]:
        raise InputError(
            f"x has {matrix.shape[0]} rows but y has {len(labels)} labels; give one label per row of x"
        )
    zero_copy = not matrix.flags.owndata
    make_reporter(report)(
        f"bridge: x arrived as a {matrix.shape[0]}x{matrix.shape[1]} {matrix.dtype} matrix "
        f"({'zero-copy' if zero_copy else 'copied'}), y as {len(labels)} labels"
    )
    return {
        "x": np.array(matrix),  # a copy: R receives its own memory
        "y": labels.to_r(),
        "dtype": str(matrix.dtype),
        "zero_copy": zero_copy,
        "column_major": bool(matrix.flags.f_contiguous),
        "writeable": bool(matrix.flags.writeable),
    }


def _data_source(value: object, arg: str = "ds") -> data.DataSource:
    if not isinstance(value, data.DataSource):
        raise InputError(f"{arg} must be a data source made by rpudlCreateDataSource()")
    return value


def create_data_source(
    data_format: str,
    data_dir: str | None = None,
    download: bool = True,
    report: object = None,
    train_db: str | None = None,
    test_db: str | None = None,
    shape: object = None,
    shuffle: bool = False,
    seed: int = 0,
) -> data.DataSource:
    """``rpudlCreateDataSource``: the Python object stays in Python; R holds a reference."""
    return data.create_data_source(
        data_format, data_dir, download=download, report=report, train_db=train_db, test_db=test_db,
        shape=_image_shape(shape), shuffle=shuffle, seed=int(seed),
    )  # fmt: skip


def _image_shape(shape: object) -> tuple[int, int, int] | None:
    if shape is None:
        return None
    dims = np.asarray(shape).ravel()
    if dims.size != 3 or np.any(dims < 1) or np.any(dims != np.round(dims)):
        raise InputError("shape must be three positive whole numbers: c(channels, height, width)")
    return tuple(int(d) for d in dims)


def write_lmdb(x: object, y: object, path: str, shape: object = None, kind: str = "caffe") -> str:
    """``rpudlWriteLMDB``: one image per row of ``x`` (with ``shape``), or a 4-D array (n, C, H, W)."""
    images = np.asarray(x)
    labels = as_labels(y, "y")
    if images.ndim == 2:
        image_shape = _image_shape(shape)
        if image_shape is None or int(np.prod(image_shape)) != images.shape[1]:
            raise InputError(
                f"x has {images.shape[1]} values per row; give shape = c(channels, height, width) "
                "whose product is that number"
            )
        images = images.reshape(len(images), *image_shape)  # rows hold channel, height, width order
    return str(data.write_lmdb(path, images, labels.codes, kind))


def write_hdf5(
    x: object,
    y: object,
    path: str,
    shape: object = None,
    data_name: str = "data",
    label_name: str = "label",
    extra: dict | None = None,
) -> str:
    """``rpudlWriteHDF5``: examples (rows of ``x``, as ``shape`` if given) and their labels or
    targets (``y``: a value or a row per example) as one HDF5Data file; ``extra``: further
    datasets by name (the layer's further tops, such as a recurrent net's cont), a row per example."""
    from pyrpudl.data.hdf5_data import write_hdf5 as write

    examples = np.asarray(x, dtype=np.float32)
    if examples.ndim == 1:
        examples = examples[:, None]
    if shape is not None:
        dims = np.asarray(shape).ravel()
        if np.any(dims < 1) or np.any(dims != np.round(dims)) or int(np.prod(dims)) != examples[0].size:
            raise InputError(
                f"shape must be positive whole numbers whose product is the {examples[0].size} values per "
                "example of x"
            )
        examples = examples.reshape(len(examples), *(int(d) for d in dims))
    if str(data_name) == str(label_name):
        raise InputError(f"data.name and label.name are both {data_name!r}; the two datasets need two names")
    datasets = {str(data_name): examples, str(label_name): np.asarray(y, dtype=np.float32)}
    for name, values in (extra or {}).items():
        if not name or str(name) in datasets:
            raise InputError(
                f"extra datasets need names of their own (the HDF5Data layer's further tops); {name!r} is "
                + ("empty" if not name else "taken")
            )
        datasets[str(name)] = np.asarray(values, dtype=np.float32)
    return str(write(path, datasets))


def convert_to_lmdb(source: object, folder: str, kind: str = "caffe") -> list[str]:
    """``rpudlConvertToLMDB``: the training and test databases written."""
    return [str(p) for p in _data_source(source).export_lmdb(folder, kind)]


def data_source_summary(source: object) -> str:
    return _data_source(source).summary()


def data_source_classes(source: object) -> dict:
    """``summary`` of a data source: each class's name and its number of training and test images."""
    source = _data_source(source)
    names = list(source.label_names or ())
    count = max(
        len(names), int(source.train_labels.max(initial=0)) + 1, int(source.test_labels.max(initial=0)) + 1
    )
    names += [str(i) for i in range(len(names), count)]
    return {
        "class": names,
        "training": np.bincount(source.train_labels, minlength=count).astype(np.int64).tolist(),
        "test": np.bincount(source.test_labels, minlength=count).astype(np.int64).tolist(),
    }


def pair_data_source(source: object, seed: int = 0) -> data.DataSource:
    """``rpudlCreatePairDataSource``: siamese pairs of the source's images."""
    return _data_source(source, "data.source").pairs(int(seed))


def _array_labels(y: object):
    """Labels from R: None, a marshalled factor (0-based codes and levels), class numbers or a
    matrix of targets; and the factor's levels (else None)."""
    if isinstance(y, dict):
        labels = as_labels(y, "y")
        return labels.codes, labels.levels
    return (None if y is None else np.asarray(y)), None


def array_data_source(
    x: object,
    y: object = None,
    test_x: object = None,
    test_y: object = None,
    shape: object = None,
    data_dir: str | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> data.DataSource:
    """``rpudlCreateArrayDataSource``: a data source of R's arrays (see pyrpudl.data.array_source)."""
    train_labels, names = _array_labels(y)
    test_labels, test_names = _array_labels(test_y)
    if names is not None and test_names is not None and tuple(names) != tuple(test_names):
        raise InputError("y and test.y are factors of different levels; give both the same levels")
    return data.array_data_source(
        np.asarray(x), train_labels, None if test_x is None else np.asarray(test_x), test_labels,
        shape=shape, label_names=names or test_names, data_dir=data_dir, shuffle=bool(shuffle),
        seed=int(seed),
    )  # fmt: skip


def find_training_data_mean(source: object, filename: str, report: object = None) -> str:
    """``rpudlFindTrainingDataMean``: the file written, inside the data source's folder."""
    return str(_data_source(source).find_training_mean(filename, report))


def load_training_data_mean(source: object, filename: str) -> str:
    """``rpudlLoadTrainingDataMean``: use a saved mean file (ours or Caffe's mean.binaryproto)."""
    source = _data_source(source)
    source.load_mean(filename)
    return str(source.mean_file)


def testing_data_samples(source: object, range: object) -> dict:
    """``rpudlGetTestingDataSamples``: rows of pixels (channel, height, width order) and labels."""
    source = _data_source(source)
    rows = as_index_range(range, len(source.test_images), "range")
    x, y = source.testing_samples(rows.start, rows.stop)
    return {"x": x.reshape(len(x), -1).astype(np.int32), "y": y, "shape": list(source.shape)}


def _model(value: object, arg: str = "model"):
    from pyrpudl.model import Model

    if not isinstance(value, Model):
        raise InputError(f"{arg} must be a model made by rpudl()")
    return value


def create_model(prototxt: str, source: object = None, seed: int = 0, stages: list | None = None):
    """``rpudl``: a model from a train/test prototxt bound to the data source, or from a deploy
    prototxt (no source); ``stages``: the TEST net's (None: the default)."""
    from pyrpudl.model import create_model as create

    source = None if source is None else _data_source(source, "data.source")
    return create(
        prototxt, source, seed=int(seed), stages=None if stages is None else tuple(map(str, stages))
    )


def load_caffe_weights(model: object, path: str) -> dict:
    """``rpudl(weights =)``: the model with a .caffemodel's trained layers (matched by name), and
    a line saying which layers took them."""
    from pyrpudl.net.caffemodel import load_weights

    loaded, report = load_weights(_model(model), str(path))
    return {"model": loaded, "note": report.describe(path)}


def restore_snapshot(model: object, path: str, solver_type: str | None = None):
    """``rpudlRestoreSnapshot``: the model as the .solverstate ``path`` left it."""
    from pyrpudl.solver.snapshot import restore_snapshot as restore

    return restore(_model(model), str(path), solver_type)


def snapshot_plan(
    model: object,
    solver_file: str | None = None,
    snapshot: int | None = None,
    snapshot_prefix: str | None = None,
    solver_type: str | None = None,
) -> dict:
    """Where a training call snapshots, worked out once (R trains in chunks): every, prefix, and a
    note to show before training (or None)."""
    from pyrpudl.solver.snapshot import plan_snapshots
    from pyrpudl.solver.solver_types import solver_settings

    solver = solver_settings(solver_file, solver_type)
    every = None if snapshot is None else int(snapshot)
    model = _model(model)
    model.require_training_net("training")
    plan = plan_snapshots(solver, every, snapshot_prefix, solver_file, model.spec.name)
    return {"every": plan.every, "prefix": plan.prefix, "note": plan.note}


def train_model(
    model: object,
    batch: int = 100,
    iterations: int = 4000,
    learning_rate: float | None = None,
    momentum: float | None = None,
    weight_decay: float | None = None,
    solver_file: str | None = None,
    report: object = None,
    display: int = 100,
    final_report: bool = True,
    device: str | None = None,
    solver_type: str | None = None,
    test_interval: int | None = None,
    snapshot: int | None = None,
    snapshot_prefix: str | None = None,
) -> dict:
    """``rpudlTrain`` (one chunk of it): a new model. The solver: a solver file's settings, else
    cifar10_quick's SGD (or, with ``solver_type`` alone, Caffe's example settings for that type),
    then the arguments given."""
    from pyrpudl.solver.snapshot import plan_snapshots
    from pyrpudl.solver.solver_types import solver_settings
    from pyrpudl.solver.trainer import train

    if int(batch) < 1 or int(iterations) < 0:
        raise InputError("batch must be at least 1 and iter at least 0")
    solver = solver_settings(solver_file, solver_type, learning_rate, momentum, weight_decay)
    interval = None if test_interval is None else int(test_interval)
    every = None if snapshot is None else int(snapshot)
    if solver_file:  # an empty or folder prefix is completed with the solver file's name
        plan = plan_snapshots(solver, every, snapshot_prefix, solver_file, _model(model).spec.name)
        every, snapshot_prefix = plan.every, plan.prefix
        if plan.note:
            make_reporter(report)(plan.note)
    outcome = train(_model(model), int(batch), int(iterations), solver, report, int(display),
                    bool(final_report), device, interval, every, snapshot_prefix)  # fmt: skip
    return {"model": outcome.model, "stopped": outcome.stopped}


def training_summary(model: object, since: int) -> str:
    """The closing line over the iterations logged after position ``since``."""
    from pyrpudl.solver.trainer import summary_line

    model = _model(model)
    costs, accuracies = model.cost_log[int(since) :], model.accuracy_log[int(since) :]
    return summary_line(costs, accuracies) if costs else "training ends without any iteration"


def _examples(x: object):
    """R's examples: an array, or (a deploy net of several inputs) a named list of them."""
    if isinstance(x, dict):
        return {str(name): np.asarray(values) for name, values in x.items()}
    return np.asarray(x)


def predict_model(model: object, x: object, type: str = "class", device: str | None = None):
    from pyrpudl.model import predict

    return predict(_model(model), _examples(x), type, device=device)


def net_input(model: object, x: object) -> np.ndarray:
    """``rpudlNetInput``: one row per image of what the TEST Data layer gives the net."""
    from pyrpudl.model import net_input as transform

    values = transform(_model(model), np.asarray(x))
    return values.reshape(len(values), -1).astype(np.float64)


def extract_features(model: object, x: object, blob: str, device: str | None = None) -> np.ndarray:
    """``rpudlExtractFeatures``: the TEST net's ``blob`` for images ``x``, one image per first index."""
    from pyrpudl.extract import extract_features as extract

    return extract(_model(model), _examples(x), str(blob), device=device).astype(np.float64)


def time_model(model: object, batch: int = 100, iterations: int = 50, device: str | None = None) -> dict:
    """``rpudlTime``: each layer's median forward and backward milliseconds (NaN: not run
    backward), the pass totals and the report's lines."""
    from pyrpudl.timing import time_model as time_layers

    timing = time_layers(_model(model), int(batch), int(iterations), device)
    return {
        "layer": [layer.name for layer in timing.layers],
        "type": [layer.type for layer in timing.layers],
        "forward": [layer.forward_ms for layer in timing.layers],
        "backward": [
            float("nan") if layer.backward_ms is None else layer.backward_ms for layer in timing.layers
        ],
        "iterations": timing.iterations,
        "batch": timing.batch,
        "device": timing.device,
        "net": timing.net,
        "total": timing.total_ms,
        "lines": timing.lines(),
    }


def model_is_deploy(model: object) -> bool:
    """Whether the model is a deploy net (it predicts only)."""
    return _model(model).deploy


def model_cost_log(model: object) -> np.ndarray:
    return np.asarray(_model(model).cost_log, dtype=np.float64)


def model_test_log(model: object) -> dict:
    """``model$test.log``: the columns of an R data frame, one row per test pass."""
    log = _model(model).test_log
    return {
        "iteration": [int(it) for it, _, _ in log],
        "cost": [float(cost) for _, cost, _ in log],
        "accuracy": [float(accuracy) for _, _, accuracy in log],
    }


def last_cost(model: object) -> float:
    """The cost of the last training iteration (for R's progress bar), NaN before any."""
    log = _model(model).cost_log
    return float(log[-1]) if log else float("nan")


def layer_weights(model: object, layer: str) -> np.ndarray:
    """``rpudlGetLayerWeights``: num_output x channels x height x width (or outputs x inputs)."""
    return _model(model).layer_weights(str(layer)).astype(np.float64)


def model_summary(model: object) -> str:
    model = _model(model)
    layers = [f"{layer.name} ({layer.type})" for layer in model.spec.layer]
    if model.deploy:
        return (
            f"rpudl deploy net {model.spec.name or '(unnamed)'}: {model.params.learnable_count} parameters\n"
            f"  input: {dims(model.example_shape())} values per example, as given (scale and centre "
            f"them as the training net's Data layer did)\n  layers: {', '.join(layers)}"
        )
    solver = f" ({model.history_type})" if model.iteration > model.history_start else ""
    transform = model.transform("TRAIN")
    images = dims(model.source.shape)
    what = model.source.noun
    if what == "examples":  # HDF5 data
        what, images = "examples of", images + " values"
        if model.source.target_shape is not None:
            kind = "label maps" if model.source.label_maps else "targets"
            images += f", {kind} of {dims(model.source.target_shape) or 1}"
    if transform.crop:
        images += f", cropped to {dims(transform.shape)}"
    if transform.mirror:
        images += ", mirrored at random"
    return (
        f"rpudl model {model.spec.name or '(unnamed)'}: {model.params.learnable_count} parameters, "
        f"{model.iteration} iterations trained{solver}\n  data: {model.source.data_format}, {what} "
        f"{images}\n  layers: {', '.join(layers)}"
    )


def model_layers(model: object) -> dict:
    """``summary`` of a model: each layer of the training phase, its type, the shape of its first
    output for one image, and its number of parameters (columns of an R data frame)."""
    import math

    from pyrpudl.net.shapes import infer_shapes
    from pyrpudl.net.state import layers_for_phase

    model = _model(model)
    if model.deploy:
        from pyrpudl.net.deploy import with_batch

        layers = layers_for_phase(with_batch(model.spec, 1), "TEST")
        shapes = infer_shapes(layers)
    else:
        layers = layers_for_phase(model.spec, "TRAIN")
        shapes = infer_shapes(layers, model.transform("TRAIN").shape, 1, model.label_shape, model.side_shapes)
    return {
        "layer": [layer.name for layer in layers],
        "type": [layer.type for layer in layers],
        "output": [
            " x ".join(map(str, shapes.blobs[layer.top[0]][1:])) or "1" if layer.top else ""
            for layer in layers
        ],
        "parameters": [int(sum(math.prod(p) for p in shapes.params.get(layer.name, []))) for layer in layers],
    }


def save_model(model: object, path: str) -> str:
    """``rpudlSaveModel``: the file written (an .npz of arrays and text, no pickle; a path ending in
    .caffemodel: Caffe's weights file; in .caffemodel.h5: Caffe's HDF5 weights file)."""
    from pyrpudl.model_io import save_model as save
    from pyrpudl.net.caffemodel import save_weights

    if str(path).endswith((".caffemodel", ".caffemodel.h5")):
        return str(save_weights(_model(model), path))
    return str(save(_model(model), path))


def load_model(path: str, source: object = None):
    """``rpudlLoadModel``: the model in ``path``, reading ``source`` (None: a net of HDF5Data
    layers reads the files they name)."""
    from pyrpudl.model_io import load_model as load

    return load(path, None if source is None else _data_source(source, "data.source"))
