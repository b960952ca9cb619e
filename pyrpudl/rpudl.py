"""Seed 000's functions under their R names, for Python users who follow the R session
(``predict`` is :func:`pyrpudl.model.predict`).

They take R's conventions (a range is ``(from, to)``, 1-based and inclusive) and raise
exceptions; :mod:`pyrpudl.data` is the Pythonic API underneath.

>>> from pyrpudl.rpudl import *                                    # doctest: +SKIP
>>> ds = rpudlCreateDataSource("cifar10", "data/cifar")           # doctest: +SKIP
>>> rpudlFindTrainingDataMean(ds, "cifar10-data.mean")            # doctest: +SKIP
>>> x, y = rpudlGetTestingDataSamples(ds, (1, 12))                # doctest: +SKIP
"""

from pathlib import Path

import numpy as np

from pyrpudl import r_api
from pyrpudl.data import DataSource, array_data_source, create_data_source
from pyrpudl.extract import extract_features
from pyrpudl.model import Model, net_input

__all__ = [
    "rpudl",
    "rpudlGetLayerWeights",
    "rpudlTrain",
    "rpudlConvertToLMDB",
    "rpudlCreateArrayDataSource",
    "rpudlCreateDataSource",
    "rpudlCreatePairDataSource",
    "rpudlExtractFeatures",
    "rpudlFindTrainingDataMean",
    "rpudlGetTestingDataSamples",
    "rpudlInfo",
    "rpudlLoadModel",
    "rpudlLoadTrainingDataMean",
    "rpudlNetInput",
    "rpudlPlotLayerWeights",
    "rpudlRestoreSnapshot",
    "rpudlSaveModel",
    "rpudlTime",
    "rpudlWriteHDF5",
    "rpudlWriteLMDB",
]


def rpudlCreateDataSource(data_format: str, data_dir: str | Path | None = None, **options) -> DataSource:
    """As R's ``rpudlCreateDataSource``.

    Parameters
    ----------
    data_format
        "cifar10", "mnist", "fashion-mnist" or "lmdb".
    data_dir
        The data's folder (CIFAR-10 and MNIST are downloaded there when missing).
    **options
        Those of :func:`pyrpudl.data.create_data_source` (``download``, ``train_db``, ``shuffle``, ...).

    Returns
    -------
    DataSource
        The training and test images with their labels.
    """
    return create_data_source(data_format, data_dir, **options)


def rpudlCreatePairDataSource(data_source: DataSource, seed: int = 0) -> DataSource:
    """As R's ``rpudlCreatePairDataSource``: Caffe's siamese pairs of ``data_source``'s images
    (see :meth:`pyrpudl.data.DataSource.pairs`), labelled 1 for a pair of one class, else 0."""
    return r_api.pair_data_source(data_source, seed)


def rpudlCreateArrayDataSource(
    x, y=None, test_x=None, test_y=None, shape=None, data_dir=None, shuffle: bool = False, seed: int = 0
) -> DataSource:
    """As R's ``rpudlCreateArrayDataSource``: a data source of arrays in memory, examples ``x``
    (a row each) with labels ``y`` (classes from 0, or a row of targets each, or None) and
    optionally test examples; see :func:`pyrpudl.data.array_data_source`."""
    return array_data_source(x, y, test_x, test_y, shape=shape, data_dir=data_dir, shuffle=shuffle, seed=seed)


def rpudlFindTrainingDataMean(ds: DataSource, filename: str = "mean.binaryproto") -> Path:
    """As R's ``rpudlFindTrainingDataMean``: compute the per-pixel mean of the training images.

    Parameters
    ----------
    ds
        The data source; it remembers the mean.
    filename
        The mean file (Caffe's BlobProto), written in the data source's folder.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return ds.find_training_mean(filename)


def rpudlLoadTrainingDataMean(ds: DataSource, filename: str | Path) -> Path:
    """As R's ``rpudlLoadTrainingDataMean``: use a saved mean file (ours or Caffe's).

    Parameters
    ----------
    ds
        The data source.
    filename
        The mean file, absolute or in the data source's folder.

    Returns
    -------
    pathlib.Path
        The file read.
    """
    ds.load_mean(filename)
    return ds.mean_file


def rpudlGetTestingDataSamples(ds: DataSource, range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """As R's ``rpudlGetTestingDataSamples``.

    Parameters
    ----------
    ds
        The data source.
    range
        ``(from, to)``, 1-based and inclusive, as in R.

    Returns
    -------
    tuple of numpy.ndarray
        Rows of pixels (channel, height, width order) and their labels.
    """
    samples = r_api.testing_data_samples(ds, range)
    return samples["x"], samples["y"]


def rpudlWriteHDF5(
    x, y, file: str | Path, shape=None, data_name: str = "data", label_name: str = "label", extra=None
) -> Path:
    """As R's ``rpudlWriteHDF5``: examples and their classes or targets as one file that Caffe's
    HDF5Data layer reads (datasets ``data_name`` and ``label_name``, float32).

    Parameters
    ----------
    x
        One example per row, or an array whose first axis counts the examples.
    y
        One class or target value per example, or one row of targets per example.
    file
        The .h5 file to write.
    shape
        One example's shape when ``x`` holds each as a row.
    data_name, label_name
        The datasets' names: the HDF5Data layer's tops.
    extra
        Further datasets, name -> array with a row per example, for the layer's further tops in
        order (a recurrent net's ``cont``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return Path(r_api.write_hdf5(x, y, str(file), shape, data_name, label_name, extra))


def rpudlWriteLMDB(x, y, path: str | Path, shape=None, format: str = "caffe") -> Path:
    """As R's ``rpudlWriteLMDB``: images and labels as an LMDB database of Datum records.

    Parameters
    ----------
    x
        One image per row (with ``shape``), or an array (n, channels, height, width).
    y
        The labels.
    path
        The database's folder.
    shape
        (channels, height, width) of the rows of ``x``.
    format
        "caffe" (Caffe's Datum) or "rpudl" (rpudl's).

    Returns
    -------
    pathlib.Path
        The database written.
    """
    return Path(r_api.write_lmdb(x, y, str(path), shape, format))


def rpudlConvertToLMDB(ds: DataSource, dir: str | Path, format: str = "caffe") -> list[Path]:
    """As R's ``rpudlConvertToLMDB``: a data source's training and test sets as LMDB databases.

    Parameters
    ----------
    ds
        The data source.
    dir
        The folder for the two databases.
    format
        "caffe" or "rpudl" Datum records.

    Returns
    -------
    list of pathlib.Path
        The databases written.
    """
    return [Path(p) for p in r_api.convert_to_lmdb(ds, str(dir), format)]


def rpudl(
    prototxt: str | Path,
    data_source: DataSource | None = None,
    seed: int = 0,
    weights: str | Path | None = None,
    stage: "str | list[str] | None" = None,
) -> Model:
    """As R's ``rpudl``: a model from a train/test prototxt bound to ``data_source``, or from a
    deploy prototxt (an Input layer; no data source) that predicts on the values it is given.

    Parameters
    ----------
    prototxt
        The model's Caffe prototxt.
    data_source
        The data its Data layers read; None for a deploy net, or for a net of HDF5Data layers
        (which read the files they name).
    seed
        Seed of the initial weights.
    weights
        A Caffe ``.caffemodel`` (or ``.caffemodel.h5``) whose trained layers (matched by name)
        replace the initial weights, as ``caffe train --weights``; prints which layers took them.
    stage
        The TEST net's stages (Caffe's ``test_state``), for layers included by stage; None: none,
        unless the TEST phase has Data layers only under stages (then the first one's).

    Returns
    -------
    Model
        An untrained model (or one starting from ``weights``).
    """
    stages = [stage] if isinstance(stage, str) else stage
    model = r_api.create_model(str(prototxt), data_source, seed, stages)
    if weights is None:
        if model.deploy:
            print(
                "a deploy net without weights= predicts with its fillers' initial values (in a deploy "
                "file usually constant 0): give it the trained .caffemodel"
            )
        return model
    loaded = r_api.load_caffe_weights(model, str(weights))
    print(loaded["note"])
    return loaded["model"]


def rpudlTrain(
    model: Model,
    batch: int = 100,
    iter: int = 4000,
    learning_rate: float | None = None,
    momentum: float | None = None,
    weight_decay: float | None = None,
    solver: str | Path | None = None,
    display: int = 100,
    solver_type: str | None = None,
    test_interval: int | None = None,
    snapshot: int | None = None,
    snapshot_prefix: str | Path | None = None,
) -> Model:
    """As R's ``rpudlTrain``: a new, trained model (the one given is unchanged).

    Parameters
    ----------
    model
        The model; training resumes where it stopped.
    batch, iter
        Examples per iteration, and iterations.
    learning_rate, momentum, weight_decay
        The solver's settings; None: the solver file's, else cifar10_quick's SGD settings (0.001,
        0.9, 0.004), else with ``solver_type`` alone Caffe's example settings for that type.
    solver
        A Caffe solver prototxt, whose settings the arguments given override.
    display
        A progress line every ``display`` iterations.
    solver_type
        One of Caffe's solver types: "SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam".
    test_interval
        Test on the data source's test images every ``test_interval`` iterations (the results in
        ``model.test_log``); None: the solver file's setting, else none.
    snapshot, snapshot_prefix
        Every ``snapshot`` iterations write Caffe's ``{snapshot_prefix}_iter_{N}.caffemodel`` and
        ``.solverstate`` (the prefix's folder is made); None: the solver file's settings.

    Returns
    -------
    Model
        The trained model.
    """
    prefix = None if snapshot_prefix is None else str(snapshot_prefix)
    result = r_api.train_model(model, batch, iter, learning_rate, momentum, weight_decay,
                               None if solver is None else str(solver), None, display,
                               solver_type=solver_type, test_interval=test_interval, snapshot=snapshot,
                               snapshot_prefix=prefix)  # fmt: skip
    return result["model"]


def rpudlSaveModel(model: Model, file: str | Path) -> Path:
    """As R's ``rpudlSaveModel``: the whole model as an ``.npz`` (resumable with R's or
    :func:`pyrpudl.model_io.load_model`), or, for a name ending in ``.caffemodel``, its weights as
    Caffe's file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return Path(r_api.save_model(model, str(file)))


def rpudlRestoreSnapshot(model: Model, file: str | Path, solver_type: str | None = None) -> Model:
    """As R's ``rpudlRestoreSnapshot``: ``model`` (made by :func:`rpudl` from the same prototxt)
    as the snapshot ``file`` (a ``.solverstate``, pyrpudl's or Caffe's) left it, ready to train on.

    Parameters
    ----------
    model
        A model of the net that was snapshotted.
    file
        The ``.solverstate``; its ``.caffemodel`` is found where the state names it, or beside it.
    solver_type
        For a state Caffe wrote with AdaDelta or Adam, which of the two (Caffe's file does not say).

    Returns
    -------
    Model
        The restored model.
    """
    return r_api.restore_snapshot(model, str(file), solver_type)


def rpudlGetLayerWeights(model: Model, layer: str) -> np.ndarray:
    """As R's ``rpudlGetLayerWeights``.

    Parameters
    ----------
    model
        The model.
    layer
        The layer's name in the prototxt, such as "conv1".

    Returns
    -------
    numpy.ndarray
        num_output x channels x height x width (or outputs x inputs for an inner product).
    """
    return r_api.layer_weights(model, layer)


def rpudlNetInput(model: Model, x) -> np.ndarray:
    """As R's ``rpudlNetInput``: what the model's TEST Data layer gives its net for images ``x``
    (mean subtracted, scaled, centre cropped), the input a deploy net of the same net takes.

    Parameters
    ----------
    model
        A model built from a train/test prototxt.
    x
        Images, one per row (or an array (n, channels, height, width)).

    Returns
    -------
    numpy.ndarray
        One row per image, float32.
    """
    values = net_input(model, x)
    return values.reshape(len(values), -1)


def rpudlExtractFeatures(model: Model, x, blob: str, device: str | None = None) -> np.ndarray:
    """As R's ``rpudlExtractFeatures``: the TEST net's ``blob`` for images ``x`` (as ``predict``
    takes them), float32 (n, *blob shape), as Caffe's extract_features gives it.

    Parameters
    ----------
    model
        A model.
    x
        Images, one per row (or an array (n, channels, height, width)).
    blob
        The blob's name in the prototxt, such as "ip1".
    device
        "cpu", "cuda" or "auto"; None: ``$PYRPUDL_DEVICE``, else auto.

    Returns
    -------
    numpy.ndarray
        One image per first index.
    """
    return extract_features(model, x, blob, device=device)


def rpudlTime(model: Model, batch: int = 100, iter: int = 50, device: str | None = None):
    """As R's ``rpudlTime`` (Caffe's ``caffe time``): each layer's forward and backward time in the
    training net, the median of ``iter`` passes of ``batch`` training examples (a deploy net: its
    forward pass on random inputs).

    Parameters
    ----------
    model
        A model built from a train/test prototxt, or from a deploy prototxt.
    batch
        Examples per pass.
    iter
        Timed passes (after one untimed pass).
    device
        "cpu", "cuda" or "auto"; None: ``$PYRPUDL_DEVICE``, else auto.

    Returns
    -------
    pyrpudl.timing.NetTiming
        Per-layer times (``layers``) and pass totals; printed as Caffe's report.
    """
    from pyrpudl.timing import time_model

    return time_model(model, batch, iter, device)


def rpudlInfo() -> dict:
    """As R's ``rpudlInfo``: prints what the engine runs on (versions, Python, CPU threads, whether
    CUDA is usable and why not) and returns it as plain values."""
    from pyrpudl.info import collect, format_info

    info = collect()
    print(format_info(info))
    return info


def rpudlLoadModel(file: str | Path, ds: DataSource | None = None) -> Model:
    """As R's ``rpudlLoadModel``: a model saved by ``rpudlSaveModel`` (.npz), reading ``ds`` (None:
    a net of HDF5Data layers reads the files they name)."""
    return r_api.load_model(str(file), ds)


def rpudlPlotLayerWeights(weights: np.ndarray, ncol: int | None = None) -> object:
    """As R's ``rpudlPlotLayerWeights``: the filters (``num_output x channels x height x width``, as
    ``rpudlGetLayerWeights`` returns them) as a grid of images; a plotnine figure
    (``.save("filters.png")``, or shown in a notebook)."""
    from pyrpudl.plot import layer_filters

    return layer_filters(np.asarray(weights), ncol)
