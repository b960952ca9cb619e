"""Caffe's HDF5 weights (``.caffemodel.h5``, written with ``snapshot_format: HDF5``): a group
``data`` with a group per layer of the TRAIN net, and in it one dataset per parameter named by
its index ("0" the weights, "1" the bias), its shape the parameter's. As Caffe's ``Net::ToHDF5``
writes, a parameter a layer shares from another is left out of the sharing layer's group (its
owner's holds it), and a layer without parameters has an empty group.

Reading gives the same ``NetParameter`` of layers and blobs that a binary ``.caffemodel`` gives, so
both formats load through one copy (:func:`pyrpudl.net.caffemodel.copy_trained_layers`); a shared
parameter missing from a layer's group takes its owner's values from the file.
"""

from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.files import atomic_path
from pyrpudl.hdf5_io import open_hdf5
from pyrpudl.net.state import layers_for_phase
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.proto.blobs import array_blob


def _owners(params) -> dict[int, tuple[str, int]]:
    """A parameter's offset in the buffer -> the (layer, index) that owns it."""
    owners = {}
    for layer, slots in params.slots.items():
        for index, (offset, _) in enumerate(slots):
            if (layer, index) not in params.gradient_offsets:
                owners.setdefault(offset, (layer, index))
    return owners


def read_hdf5_net(path: Path, params=None) -> pb.NetParameter:
    """The layers and parameter blobs of the HDF5 weights file ``path``; ``params`` (the net's
    ParamBuffer) tells which parameters are shared, to fill those from their owners."""
    net = pb.NetParameter()
    with open_hdf5(path, what="HDF5 weights file") as file:
        data = file.get("data")
        if not hasattr(data, "keys"):
            raise InputError(f"{path} is an HDF5 file but not Caffe's weights: it has no group 'data'")
        owners = _owners(params) if params is not None else {}
        for name, group in data.items():
            layer = net.layer.add(name=name)
            if not hasattr(group, "keys"):
                raise InputError(f"{path}: data/{name} should be a group of parameter datasets")
            count = max((int(key) + 1 for key in group.keys() if key.isdigit()), default=0)
            slots = params.slots.get(name, []) if params is not None else []
            while count < len(slots) and (name, count) in params.gradient_offsets:
                count += 1  # trailing shared parameters, held by their owners' groups
            for index in range(count):
                values = _dataset(group, str(index), path, name)
                if values is None:
                    values = _owner_values(data, params, owners, name, index, path)
                layer.blobs.append(array_blob(values))
    if not any(layer.blobs for layer in net.layer):
        raise InputError(f"{path} holds no trained weights (no layer has parameter datasets)")
    return net


def _dataset(group, key: str, path: Path, layer: str) -> np.ndarray | None:
    if key not in group:
        return None
    values = np.asarray(group[key][()], dtype=np.float32)
    if values.ndim == 0:
        raise InputError(f"{path}: data/{layer}/{key} is a single number, not a parameter blob")
    return values


def _owner_values(data, params, owners, layer: str, index: int, path: Path) -> np.ndarray:
    """A shared parameter's values, from the group of the layer that owns it."""
    if params is None or (layer, index) not in params.gradient_offsets:
        raise InputError(
            f"{path}: layer {layer!r} has no dataset {index} (its parameter {index}); the file is "
            "incomplete or belongs to a net that shares that parameter"
        )
    owner, owner_index = owners[params.slots[layer][index][0]]
    values = _dataset(data[owner], str(owner_index), path, owner) if owner in data else None
    if values is None:
        raise InputError(
            f"{path}: layer {layer!r} shares parameter {index} with {owner!r}, which the file lacks"
        )
    return values.reshape(params.slots[layer][index][1])  # PERMISSIVE sharing: the layer's own shape


def save_hdf5_weights(model, path: str | Path) -> Path:
    """Write the model's TRAIN-net weights as Caffe's HDF5 weights file ``path``."""
    path = Path(path).expanduser()
    params = model.params
    with atomic_path(path) as temporary, open_hdf5(temporary, "w", "HDF5 weights file") as file:
        data = file.create_group("data")
        for spec in layers_for_phase(model.spec, "TRAIN"):
            if spec.name in data:  # a name met again: Caffe's writer would fail; the first one stays
                continue
            group = data.create_group(spec.name)
            for index in range(len(params.slots.get(spec.name, []))):
                if (spec.name, index) not in params.gradient_offsets:
                    group.create_dataset(str(index), data=np.asarray(params.weights(spec.name, index)))
    return path
