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
from pyrpudl.data import DataSource, create_data_source
from pyrpudl.model import Model

__all__ = [
    "rpudl",
    "rpudlGetLayerWeights",
    "rpudlTrain",
    "rpudlConvertToLMDB",
    "rpudlCreateDataSource",
    "rpudlFindTrainingDataMean",
    "rpudlGetTestingDataSamples",
    "rpudlLoadTrainingDataMean",
    "rpudlWriteLMDB",
]


def rpudlCreateDataSource(data_format: str, data_dir: str | Path | None = None, **options) -> DataSource:
    """As R's ``rpudlCreateDataSource``; ``options`` are those of :func:`create_data_source`."""
    return create_data_source(data_format, data_dir, **options)


def rpudlFindTrainingDataMean(ds: DataSource, filename: str = "mean.binaryproto") -> Path:
    return ds.find_training_mean(filename)


def rpudlLoadTrainingDataMean(ds: DataSource, filename: str | Path) -> Path:
    ds.load_mean(filename)
    return ds.mean_file


def rpudlGetTestingDataSamples(ds: DataSource, range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of pixels and labels of test samples ``range[0]..range[1]`` (1-based, inclusive)."""
    samples = r_api.testing_data_samples(ds, range)
    return samples["x"], samples["y"]


def rpudlWriteLMDB(x, y, path: str | Path, shape=None, format: str = "caffe") -> Path:
    return Path(r_api.write_lmdb(x, y, str(path), shape, format))


def rpudlConvertToLMDB(ds: DataSource, dir: str | Path, format: str = "caffe") -> list[Path]:
    return [Path(p) for p in r_api.convert_to_lmdb(ds, str(dir), format)]


def rpudl(prototxt: str | Path, data_source: DataSource, seed: int = 0) -> Model:
    """As R's ``rpudl``: a model from a train/test prototxt bound to ``data_source``."""
    return r_api.create_model(str(prototxt), data_source, seed)


def rpudlTrain(
    model: Model,
    batch: int = 100,
    iter: int = 4000,
    learning_rate: float = 0.001,
    momentum: float = 0.9,
    weight_decay: float = 0.004,
    solver: str | Path | None = None,
    display: int = 100,
) -> Model:
    """As R's ``rpudlTrain``: a new, trained model (the one given is unchanged)."""
    result = r_api.train_model(model, batch, iter, learning_rate, momentum, weight_decay,
                               None if solver is None else str(solver), None, display)  # fmt: skip
    return result["model"]


def rpudlGetLayerWeights(model: Model, layer: str) -> np.ndarray:
    return r_api.layer_weights(model, layer)
