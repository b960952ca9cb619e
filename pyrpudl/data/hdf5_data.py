"""Caffe's HDF5Data layer's files: ``hdf5_data_param { source: "train.txt" }`` names a text file
that lists HDF5 files, one per line; each holds one dataset per top of the layer (``data``,
``label``: the tops' names), rows first, as many rows in each. Tops after the second (a recurrent
net's ``cont``) are fed as the files hold them, their rows beside the examples'. The data are real
numbers of any shape (features, signals, images already scaled); Caffe transforms nothing, nor
does this.

The rows of all listed files, in order, make one set. With ``shuffle: true`` each epoch reads
them in a new order (seeded, so repeatable; Caffe shuffles the files' order and each file's rows;
drawing over all rows keeps a resumed run equal to an uninterrupted one). A label feeding a
classifier loss (SoftmaxWithLoss...) holds one class per row, a whole number, or a label map per
row (a segmentation's: a class per position of the scores); any other label (a regression's
targets, of any shape per row) is taken as it is.
"""

from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.files import find_file
from pyrpudl.hdf5_io import is_hdf5, open_hdf5


def listed_files(source: str, folders: tuple[Path, ...] = ()) -> list[Path]:
    """The HDF5 files of a layer's ``source``: the files its list names (each as written, else
    beside the list), or ``source`` itself when it is an HDF5 file. ``folders`` are where a
    relative ``source`` is looked for after the working folder (the prototxt's)."""
    path = find_file(Path(source).expanduser(), folders)
    if path is None:
        where = ", ".join(str(f) for f in (Path.cwd(), *folders))
        raise InputError(
            f"the HDF5Data source {source!r} is not there (looked in {where}): give the text file that "
            "lists the layer's HDF5 files, one per line"
        )
    if is_hdf5(path):
        return [path]
    try:
        names = path.read_text().split()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the HDF5Data source list {path}: {exc}") from None
    if not names:
        raise InputError(f"the HDF5Data source list {path} names no files; list the HDF5 files, one per line")
    files = []
    for name in names:
        found = find_file(Path(name).expanduser(), (path.parent, *folders))
        if found is None:
            raise InputError(
                f"{path} lists {name}, which is neither there nor beside the list in {path.parent}"
            )
        files.append(found)
    return files


def read_datasets(files: list[Path], names: list[str]) -> dict[str, np.ndarray]:
    """Each dataset ``names`` over ``files``: the files' rows one after another, float32."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for path in files:
        with open_hdf5(path, what="HDF5Data file") as file:
            rows = None
            for name in names:
                if name not in file or not hasattr(file[name], "shape"):
                    have = ", ".join(sorted(file.keys())) or "nothing"
                    raise InputError(
                        f"{path} has no dataset {name!r} for the HDF5Data top of that name (it holds {have})"
                    )
                values = np.asarray(file[name][()], dtype=np.float32)
                if values.ndim == 0:
                    raise InputError(f"{path}: dataset {name!r} is one number; give one row per example")
                if rows is not None and len(values) != rows:
                    raise InputError(
                        f"{path}: dataset {name!r} has {len(values)} rows but {names[0]!r} has {rows}; "
                        "each top needs one row per example"
                    )
                rows = len(values)
                if parts[name] and parts[name][0].shape[1:] != values.shape[1:]:
                    raise InputError(
                        f"{path}: the rows of {name!r} are {list(values.shape[1:])}, but in {files[0]} they "
                        f"are {list(parts[name][0].shape[1:])}"
                    )
                parts[name].append(values)
    return {name: np.concatenate(arrays) for name, arrays in parts.items()}


def class_labels(values: np.ndarray, name: str, where: str, ignore: int | None = None) -> np.ndarray:
    """A label dataset as classes, int32: (n,) for one class per row (a row of one value too), or
    a label map per row, (n, ...), one class per position (a segmentation's, for scores of
    (classes, height, width) per example); whole numbers of at least 0, or the loss's ``ignore``."""
    flat = values.reshape(-1)
    counted = flat if ignore is None else flat[flat != ignore]
    if counted.size and (
        not np.all(np.isfinite(counted)) or np.any(counted != np.round(counted)) or counted.min() < 0
    ):
        also = "" if ignore is None else f" (or the loss's ignore_label {ignore})"
        raise InputError(
            f"{where}: the net classifies, so {name!r} must hold classes 0, 1, 2, ...{also}; it holds other "
            f"values (from {counted.min():g} to {counted.max():g})"
        )
    classes = values.astype(np.int32)
    return classes.reshape(len(values)) if values.size == len(values) else classes


def _label_kind(labels: np.ndarray | None) -> str:
    """What an example's labels are, for messages: one class, a label map, or targets."""
    if labels is None:
        return "one class each"
    shape = " x ".join(map(str, labels.shape[1:])) or "1"
    return f"label maps {shape}" if labels.dtype == np.int32 else f"targets {shape}"


def hdf5_data_source(
    train, test, classifies: bool, folders: tuple[Path, ...] = (), ignore: int | None = None
):
    """The data source of a net whose Data layers are HDF5Data (``train``, and ``test`` or None):
    their files' rows, the first top's as examples and the second's as class labels (when the net
    ``classifies``; ``ignore``: its loss's ignore_label) or as targets."""
    from pyrpudl.data.source import DataSource, dims

    def read(layer) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Path, dict]:
        """(examples, classes, targets or label maps, the folder of the first file, the further
        tops' rows)."""
        if layer.HasField("transform_param"):
            raise InputError(f"HDF5Data layer {layer.name!r} has a transform_param; Caffe's HDF5Data "
                             "transforms nothing: scale and centre the values in the files")  # fmt: skip
        files = listed_files(layer.hdf5_data_param.source, folders)
        found = read_datasets(files, list(layer.top))
        examples, folder = found[layer.top[0]], files[0].resolve().parent
        side = {name: found[name] for name in layer.top[2:]}
        zeros = np.zeros(len(examples), np.int32)
        if len(layer.top) == 1:
            return examples, zeros, None, folder, side
        label = found[layer.top[1]]
        if not classifies:
            return examples, zeros, label, folder, side
        classes = class_labels(label, layer.top[1], f"HDF5Data layer {layer.name!r}", ignore)
        if classes.ndim == 1:
            return examples, classes, None, folder, side
        return examples, zeros, classes, folder, side

    train_x, train_y, train_t, files_dir, train_side = read(train)
    test_side = {name: rows[:0] for name, rows in train_side.items()}
    if test is not None:
        test_x, test_y, test_t, _, test_side = read(test)
        if list(test_side) != list(train_side):
            raise InputError(
                f"the TRAIN layer {train.name!r} has tops {list(train.top)} but the TEST layer "
                f"{test.name!r} {list(test.top)}; give both phases' HDF5Data layers as many tops, in the "
                "same order"
            )
        checks = [
            ("examples", dims(train_x.shape[1:]), dims(test_x.shape[1:])),
            ("labels", _label_kind(train_t), _label_kind(test_t)),
        ]
        checks += [
            (repr(name), dims(train_side[name].shape[1:]), dims(rows.shape[1:]))
            for name, rows in test_side.items()
        ]
        for what, train_kind, test_kind in checks:
            if train_kind != test_kind:
                raise InputError(
                    f"the TRAIN layer {train.name!r} reads {what} of {train_kind} but the TEST layer "
                    f"{test.name!r} {what} of {test_kind}; give both phases data of the same shape"
                )
    else:
        test_x, test_y = train_x[:0], train_y[:0]
        test_t = None if train_t is None else train_t[:0]
    source = DataSource("hdf5", files_dir, files_dir, train_x, train_y, test_x, test_y,
                        train_targets=train_t, test_targets=test_t, train_side=train_side,
                        test_side=test_side)  # fmt: skip
    source.shuffle = bool(train.hdf5_data_param.shuffle)
    return source


def write_hdf5(path: str | Path, datasets: dict[str, np.ndarray]) -> Path:
    """Write ``datasets`` (name -> rows, each with as many) as one HDF5Data file, float32 as
    Caffe's HDF5Data reads them; written whole or not at all."""
    from pyrpudl.files import atomic_path

    path = Path(path).expanduser()
    arrays = {name: np.ascontiguousarray(values, dtype=np.float32) for name, values in datasets.items()}
    rows = {name: len(values) if values.ndim else 0 for name, values in arrays.items()}
    if len(set(rows.values())) != 1 or 0 in rows.values():
        counts = ", ".join(f"{name} {count}" for name, count in rows.items())
        raise InputError(f"each dataset needs one row per example, and as many rows: {counts}")
    for name, values in arrays.items():
        if not np.all(np.isfinite(values)):
            raise InputError(f"{name} holds NA, NaN or infinite values; every value must be a number")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: the folder {path.parent} does not exist")
    with atomic_path(path) as temporary, open_hdf5(temporary, "w", "HDF5Data file") as file:
        for name, values in arrays.items():
            file.create_dataset(name, data=values)
    return path
