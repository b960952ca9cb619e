"""A data source from arrays in memory (R matrices and arrays, NumPy arrays): a net's Data or
MemoryData layer reads them as it reads a file format's images, with no file written first.

Examples: images of whole numbers from 0 to 255 (uint8, or R's integers) are kept as bytes (the
transform's mean and scale apply as to MNIST's); other values become float32. An array (n,
height, width) is grey images (one channel); (n, d) rows of d values (or images, given
``shape``); (n, ...) anything else. Labels: whole numbers from 0 (classes, as predict() returns
them; an R factor's levels name them), or an array with a row per example (targets, for a
regression's EuclideanLoss), or none (an autoencoder's).
"""

import tempfile
from pathlib import Path

import numpy as np

from pyrpudl.data.source import DataSource, dims
from pyrpudl.errors import InputError


def _examples(x, shape, what: str) -> np.ndarray:
    values = np.asarray(x)
    if values.dtype.kind not in "biuf" or values.ndim < 1:
        raise InputError(
            f"{what} must be numbers (a matrix or an array with a row per example), not {values.dtype}"
        )
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise InputError(f"{what} holds NA, NaN or infinite values; every value must be a number")
    if values.ndim == 1:
        values = values[:, None]
    if shape is not None:
        size = int(np.prod(shape))
        if len(values) and values[0].size != size:
            raise InputError(
                f"{what} has {values[0].size} values per example, but shape {dims(shape)} holds {size}"
            )
        values = values.reshape(len(values), *shape)
    elif values.ndim == 3:  # grey images
        values = values[:, None]
    if (
        values.ndim == 4
        and values.dtype.kind in "biu"
        and (not values.size or (values.min() >= 0 and values.max() <= 255))
    ):
        return np.ascontiguousarray(values.astype(np.uint8))  # images of bytes, as the file formats' are
    return np.ascontiguousarray(values.astype(np.float32))


def _labels(y, count: int, what: str):
    """(classes int32, targets float32 or None) of ``count`` examples."""
    if y is None:
        return np.zeros(count, np.int32), None
    levels = None
    if isinstance(y, tuple):  # (codes, levels): an R factor
        y, levels = y
    values = np.asarray(y)
    if len(values) != count:
        raise InputError(
            f"{what} has {len(values)} labels for {count} examples; give one (or one row) per example"
        )
    if values.dtype.kind not in "biuf":
        raise InputError(f"{what} must be class numbers or rows of targets, not {values.dtype}")
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise InputError(f"{what} holds NA, NaN or infinite values")
    if values.ndim == 1 and np.all(values == np.round(values)):
        if values.size and values.min() < 0:
            raise InputError(
                f"{what}: classes count from 0 (as predict() returns them); found {values.min():g}"
            )
        if levels is not None and values.size and values.max() >= len(levels):
            raise InputError(f"{what} has codes outside its {len(levels)} levels")
        return values.astype(np.int32), None
    if values.ndim == 1:
        raise InputError(
            f"{what} holds fractions: classes are whole numbers from 0; give targets as a matrix, a row "
            "per example"
        )
    return np.zeros(count, np.int32), np.ascontiguousarray(values.astype(np.float32))


def array_data_source(
    x,
    y=None,
    test_x=None,
    test_y=None,
    shape=None,
    label_names=None,
    data_dir=None,
    shuffle: bool = False,
    seed: int = 0,
) -> DataSource:
    """A data source of the training examples ``x`` with labels ``y`` and, optionally, test examples
    ``test_x`` with ``test_y`` (see the module's docstring for what each may be). ``shape``: one
    example's shape, for rows of values; ``label_names``: the classes' names (an R factor's
    levels); ``data_dir``: where mean files go (a new temporary folder by default)."""
    shape = None if shape is None else tuple(int(d) for d in np.asarray(shape).ravel())
    if shape is not None and (not shape or min(shape) < 1):
        raise InputError(f"shape must be positive whole numbers, not {list(shape)}")
    train_x = _examples(x, shape, "x")
    if len(train_x) == 0:
        raise InputError("x has no examples to train on")
    train_y, train_t = _labels(y, len(train_x), "y")
    if test_x is None:
        if test_y is not None:
            raise InputError("test.y was given without test.x; give both, or neither")
        test_x, test_y, test_t = train_x[:0], train_y[:0], None if train_t is None else train_t[:0]
    else:
        test_x = _examples(test_x, shape, "test.x")
        if test_x.shape[1:] != train_x.shape[1:] or test_x.dtype != train_x.dtype:
            raise InputError(
                f"test.x has examples of {dims(test_x.shape[1:])} ({test_x.dtype}) but x of "
                f"{dims(train_x.shape[1:])} ({train_x.dtype}); give both the same shape and kind of values"
            )
        if (y is None) != (test_y is None):
            raise InputError("give labels for both x and test.x (y and test.y), or for neither")
        test_y, test_t = _labels(test_y, len(test_x), "test.y")
        if (train_t is None) != (test_t is None) or (
            train_t is not None and train_t.shape[1:] != test_t.shape[1:]
        ):
            raise InputError("y and test.y must be alike: both classes, or both targets of one shape")
    if label_names is not None:
        label_names = tuple(str(name) for name in label_names)
    folder = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="pyrpudl-arrays-"))
    return DataSource("arrays", folder, folder, train_x, train_y, test_x, test_y, label_names,
                      shuffle=bool(shuffle), seed=int(seed), train_targets=train_t,
                      test_targets=test_t)  # fmt: skip
