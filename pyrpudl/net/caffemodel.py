"""Caffe's ``.caffemodel`` files: trained weights as a binary ``NetParameter``, each layer with its
parameter blobs (weights, then bias).

Reading copies weights into a model layer by layer, matched by name, as Caffe's
``Net::CopyTrainedLayersFrom`` does (``caffe train --weights``): a source layer the net lacks is
ignored, a net layer the file lacks keeps its initial values, and a shape that differs is an error
that names both shapes. Writing is Caffe's ``Net::ToProto``: the TRAIN net's layers with their
blobs, which Caffe (and this module) can load. Our parameter shapes are Caffe's, so blobs copy as
they are. Caffe's HDF5 weights (``.caffemodel.h5``) read and write as well
(:mod:`pyrpudl.net.caffemodel_hdf5`).
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError

from pyrpudl.errors import InputError
from pyrpudl.files import atomic_file
from pyrpudl.hdf5_io import is_hdf5
from pyrpudl.net.caffemodel_hdf5 import read_hdf5_net, save_hdf5_weights
from pyrpudl.net.prototxt import upgrade_v1_layer
from pyrpudl.net.state import layers_for_phase
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.proto.blobs import array_blob, blob_shape, blob_values


def blob_array(blob: pb.BlobProto) -> tuple[tuple[int, ...], np.ndarray]:
    """A parameter blob's shape and values (float32), checked against each other."""
    shape, values = blob_shape(blob), blob_values(blob)
    if values.size != math.prod(shape):
        raise InputError(f"a blob of shape {list(shape)} holds {values.size} values; the file is damaged")
    return shape, values


def same_shape(source: tuple[int, ...], target: tuple[int, ...], legacy: bool) -> bool:
    """Caffe's Blob::ShapeEquals: a legacy 4-D blob matches a target of up to four axes padded
    with leading ones."""
    if not legacy:
        return tuple(source) == tuple(target)
    return len(target) <= 4 and tuple(source) == (1,) * (4 - len(target)) + tuple(target)


def parse_binary(path: Path, message, what: str, not_one: str):
    """``message`` parsed from the binary file ``path``; errors name ``what`` the file should be."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    try:
        message.ParseFromString(raw)
    except DecodeError:
        raise InputError(f"{path} is not {not_one}") from None
    return message


def read_net(path: str | Path, params=None) -> pb.NetParameter:
    """The trained layers in ``path``: a binary NetParameter (V1 ``layers`` upgraded to
    ``layer``) or Caffe's HDF5 weights, whose shared parameters ``params`` (the net's buffer)
    names."""
    path = Path(path).expanduser()
    if is_hdf5(path):
        return read_hdf5_net(path, params)
    not_one = (
        "a Caffe .caffemodel (a binary NetParameter); a prototxt describes a net, a .caffemodel holds "
        "its trained weights"
    )
    net = parse_binary(path, pb.NetParameter(), "weights file", not_one)
    for old in net.layers:
        layer = upgrade_v1_layer(old)
        layer.blobs.extend(old.blobs)
        net.layer.append(layer)
    del net.layers[:]
    if not any(layer.blobs for layer in net.layer):
        raise InputError(f"{path} holds no trained weights (no layer has blobs)")
    return net


# what a layer type's parameter blobs are, for messages
BLOB_NAMES = {"": ("weights", "bias"), "BatchNorm": ("mean", "variance", "moving-average factor"),
              "Scale": ("scale", "bias")}  # fmt: skip


@dataclass
class CopyReport:
    copied: list[str]  # net layers that took the file's weights
    kept: list[str]  # net layers with parameters the file lacks (initial values kept)
    ignored: list[str]  # file layers the net does not have

    def describe(self, path: str | Path) -> str:
        line = f"weights from {path}: {', '.join(self.copied) or 'no layer'}"
        if self.kept:
            line += f"; {', '.join(self.kept)} keep{'s' if len(self.kept) == 1 else ''} their initial values"
        if self.ignored:
            line += f"; ignored (not in the net): {', '.join(self.ignored)}"
        return line


def copy_trained_layers(
    params, net: pb.NetParameter, path: str | Path, require_all: bool = False
) -> CopyReport:
    """Copy ``net``'s blobs into ``params`` (a host ParamBuffer) layer by layer, matched by name.

    With ``require_all`` every layer with parameters must be in the file (a snapshot resumes).
    """
    copied, ignored = [], []
    for layer in net.layer:
        if not layer.blobs:
            continue
        if layer.name not in params.slots or not params.slots[layer.name]:
            if layer.name not in ignored:
                ignored.append(layer.name)
            continue
        slots = params.slots[layer.name]
        if len(layer.blobs) != len(slots):
            raise InputError(
                f"layer {layer.name!r} has {len(layer.blobs)} parameter blobs in {path} but "
                f"{len(slots)} in the net (a bias_term that differs?)"
            )
        values = []
        for index, (blob, (_, target)) in enumerate(zip(layer.blobs, slots, strict=True)):
            shape, data = blob_array(blob)
            if not same_shape(shape, target, legacy=not blob.HasField("shape")):
                what = BLOB_NAMES.get(layer.type, BLOB_NAMES[""])[index]
                raise InputError(
                    f"cannot copy the {what} of layer {layer.name!r}: its shape in {path} is "
                    f"{list(shape)}, the net's is {list(target)}. To learn this layer from scratch "
                    "instead, give it another name in the prototxt"
                )
            values.append(data)
        for index, data in enumerate(values):  # a name met again overwrites, as in Caffe
            params.weights(layer.name, index)[...] = data.reshape(slots[index][1])
        if layer.name not in copied:
            copied.append(layer.name)
    kept = [name for name, slots in params.slots.items() if slots and name not in copied]
    if require_all and kept:
        raise InputError(f"{path} lacks the weights of layer{'s' if len(kept) > 1 else ''} {', '.join(kept)}")
    return CopyReport(copied, kept, ignored)


def load_weights(model, path: str | Path):
    """A copy of ``model`` whose layers take the trained weights in the .caffemodel ``path``
    (Caffe's ``--weights``), and the report of what was copied."""
    model = model.copy()
    net = read_net(path, model.params)
    report = copy_trained_layers(model.params, net, path)
    if not report.copied:
        raise InputError(
            f"no layer of {path} has the name of a layer with parameters in the net "
            f"(file: {', '.join(layer.name for layer in net.layer if layer.blobs)}; net: "
            f"{', '.join(report.kept)})"
        )
    return model, report


def trained_net(model) -> pb.NetParameter:
    """Caffe's Net::ToProto for the TRAIN net: its layers (phase set) with their blobs."""
    net = pb.NetParameter(name=model.spec.name)
    for spec in layers_for_phase(model.spec, "TRAIN"):
        layer = net.layer.add()
        layer.CopyFrom(spec)
        if not layer.HasField("phase"):
            layer.phase = pb.TRAIN
        del layer.blobs[:]
        for index in range(len(model.params.slots.get(spec.name, []))):
            layer.blobs.append(array_blob(model.params.weights(spec.name, index)))
    return net


def save_weights(model, path: str | Path) -> Path:
    """Write the model's weights as a Caffe .caffemodel at ``path`` (Caffe's HDF5 weights when it
    ends in .h5, as in ``.caffemodel.h5``)."""
    path = Path(path).expanduser()
    if path.suffix == ".h5":
        return save_hdf5_weights(model, path)
    with atomic_file(path) as out:
        out.write(trained_net(model).SerializeToString())
    return path
