"""Saving a DArch to one ``.npz`` file: arrays and JSON text, no pickle (loading runs no code).

A layer whose unit is a user function cannot be saved here (only its name could be): the R package
saves its DArch objects with R's own ``save``, which keeps R functions.
"""

import json
from dataclasses import fields
from pathlib import Path

import numpy as np

from pyrpudl.darch.model import DArch, Layer
from pyrpudl.darch.rbm import ARRAYS, RBM
from pyrpudl.errors import InputError

FORMAT = "pyrpudl-darch-1"


def save_darch(darch: DArch, path: str | Path) -> Path:
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    layers = []
    for i, layer in enumerate(darch.layers):
        if not isinstance(layer.unit, str):
            raise InputError(f"layer {i + 1} has a user-written unit function, which a .npz file cannot hold")
        arrays[f"layer{i}.weights"] = layer.weights
        if layer.increments is not None:
            arrays[f"layer{i}.increments"] = layer.increments
        for key, value in layer.state.items():
            arrays[f"layer{i}.state.{key}"] = value
        layers.append({"unit": layer.unit, "state": sorted(layer.state)})
    rbms = []
    for i, rbm in enumerate(darch.rbms):
        for name in ARRAYS:
            if getattr(rbm, name) is not None:
                arrays[f"rbm{i}.{name}"] = getattr(rbm, name)
        rbms.append({f.name: getattr(rbm, f.name) for f in fields(RBM) if f.name not in ARRAYS})
    scalars = {f.name: getattr(darch, f.name) for f in fields(DArch) if f.name not in ("layers", "rbms")}
    header = {"format": FORMAT, "darch": scalars, "layers": layers, "rbms": rbms}
    tmp = path.with_name(path.name + ".partial.npz")
    np.savez(tmp, header=np.array(json.dumps(header)), **arrays)
    tmp.replace(path)
    return path


def load_darch(path: str | Path) -> DArch:
    with np.load(Path(path), allow_pickle=False) as npz:
        header = json.loads(str(npz["header"]))
        if header.get("format") != FORMAT:
            raise InputError(f"{path} is not a darch file written by pyrpudl")
        layers = []
        for i, spec in enumerate(header["layers"]):
            inc = npz[f"layer{i}.increments"] if f"layer{i}.increments" in npz else None
            state = {key: npz[f"layer{i}.state.{key}"] for key in spec["state"]}
            layers.append(Layer(npz[f"layer{i}.weights"], spec["unit"], inc, state))
        rbms = []
        for i, spec in enumerate(header["rbms"]):
            arrays = {name: npz[f"rbm{i}.{name}"] if f"rbm{i}.{name}" in npz else None for name in ARRAYS}
            rbms.append(RBM(**arrays, **spec))
    return DArch(layers, rbms, **header["darch"])
