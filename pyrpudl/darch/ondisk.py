"""darch's ``ff = TRUE``: a network whose weights live in memory-mapped files, for models (and layer
outputs) larger than memory.

Each layer's weights, bias row included, are one ``.npy`` file; the RBM that pretrains the layer
works on views of the same file (its weights are the first rows, its hidden biases the last), so
pretraining writes the layer's weights in place and nothing is copied between them. Weight changes
(momentum) are files too. The operating system pages the files in and out as training touches them.

Such a network is not a value: copies share the files (as darch's ff objects did), and training
writes them in place; :class:`~pyrpudl.darch.guard.EpochGuard` keeps ``.last-good`` copies beside
them, so a NaN or Ctrl-C still leaves the last good weights.
"""

from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError


def is_on_disk(array: object) -> bool:
    """A memory-mapped file or a view of one (``np.zeros_like`` of one is a memmap without a file)."""
    return isinstance(array, np.memmap) and array.filename is not None


def copied(array):
    """A copy of ``array`` in memory, or, for an array on disk, the array itself (copies share files)."""
    if array is None or is_on_disk(array):
        return array
    return np.array(array)


def create(path: Path, values: np.ndarray, shape: tuple | None = None) -> np.memmap:
    """A new ``.npy`` file holding ``values`` (or, with ``shape``, zeros of ``values``' dtype), opened
    for reading and writing."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=values.dtype, shape=shape or values.shape)
    if shape is None:
        out[...] = values
    return out


def open_matrix(path: str | Path, dtype=None) -> np.memmap:
    """A weight file, memory-mapped for reading and writing."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"the weight file {path} is missing; a darch made with ff = TRUE needs its files")
    array = np.load(path, mmap_mode="r+")
    if dtype is not None and array.dtype != np.dtype(dtype):
        raise InputError(f"{path} holds {array.dtype} weights, not {np.dtype(dtype)}")
    return array


def move_to_disk(darch, folder: str | Path) -> None:
    """Put ``darch``'s weights and weight changes into files in ``folder`` (made if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, layer in enumerate(darch.layers):
        layer.weights = create(folder / f"layer{i + 1}.npy", layer.weights)
        if layer.increments is None:
            layer.increments = np.zeros(layer.weights.shape, layer.weights.dtype)
        layer.increments = create(folder / f"layer{i + 1}.change.npy", layer.increments)
    for i, rbm in enumerate(darch.rbms):
        attach_rbm(rbm, darch.layers[i].weights, folder, i + 1)


def attach_rbm(rbm, layer_weights: np.memmap, folder: Path, number: int) -> None:
    """Make ``rbm`` work on views of its layer's file, with its own files for the rest."""
    visible = layer_weights.shape[0] - 1
    layer_weights[:visible] = rbm.weights  # the RBM's values, then its arrays become views of the file
    layer_weights[visible] = rbm.hidden_biases
    rbm.weights, rbm.hidden_biases = layer_weights[:visible], layer_weights[visible]
    like = {"visible_biases": None, "weight_inc": rbm.weights, "visible_bias_inc": rbm.visible_biases,
            "hidden_bias_inc": rbm.hidden_biases}  # fmt: skip
    for name, shape_of in like.items():
        values = getattr(rbm, name)
        if values is None:
            values = np.zeros(shape_of.shape, shape_of.dtype)
        if not is_on_disk(values):
            setattr(rbm, name, create(folder / f"rbm{number}.{name}.npy", np.asarray(values)))


def open_layers(folder: str | Path, count: int, dtype) -> list[tuple[np.memmap, np.memmap]]:
    """The weight and weight-change files of ``count`` layers in ``folder``."""
    folder = Path(folder)
    return [
        (open_matrix(folder / f"layer{i}.npy", dtype), open_matrix(folder / f"layer{i}.change.npy", dtype))
        for i in range(1, count + 1)
    ]


def open_rbm_arrays(folder: str | Path, number: int, layer_weights: np.memmap, dtype) -> dict:
    """An RBM's arrays: views of its layer's file, and its own files."""
    visible = layer_weights.shape[0] - 1
    arrays = {"weights": layer_weights[:visible], "hidden_biases": layer_weights[visible]}
    for name in ("visible_biases", "weight_inc", "visible_bias_inc", "hidden_bias_inc"):
        arrays[name] = open_matrix(Path(folder) / f"rbm{number}.{name}.npy", dtype)
    return arrays
