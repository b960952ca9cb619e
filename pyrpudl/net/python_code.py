"""Caffe's Python layers: the user's class loaded by module and name, made and set up as Caffe
does (param_str and phase first), its methods called with pycaffe's blobs, and whatever it raises
reported as a LayerCodeError that names the layer (pyrpudl.pycaffe has the interface)."""

import importlib
import os
import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pyrpudl import pycaffe
from pyrpudl.errors import LayerCodeError
from pyrpudl.proto import rpudl_model_pb2 as pb


def _where(spec: pb.LayerParameter) -> str:
    p = spec.python_param
    return f"layer {spec.name!r} (Python layer {p.module}.{p.layer})"


def provide_caffe_module() -> None:
    """Let ``import caffe`` find pyrpudl.pycaffe unless a Caffe has been imported already."""
    sys.modules.setdefault("caffe", pycaffe)


_FOLDERS: list[str] = []  # the folders of prototxt files with Python layers, looked in last


def look_beside(folder) -> None:
    """Let Python layers' modules be found in ``folder`` too (a prototxt's, as its HDF5 lists are)."""
    if folder is not None and str(folder) not in _FOLDERS:
        _FOLDERS.append(str(folder))


def _import(spec: pb.LayerParameter):
    """The module of ``spec``'s python_param, from sys.path, else the working directory (Caffe's
    users run from the folder of their layer files, with PYTHONPATH=.) or a prototxt's folder."""
    name = spec.python_param.module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
    places = [os.getcwd(), *(folder for folder in _FOLDERS if folder != os.getcwd())]
    added = [place for place in places if place not in sys.path]
    sys.path.extend(added)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise LayerCodeError(
            f"{_where(spec)}: no module {name!r} to import; put {name}.py in the working directory "
            f"({places[0]}), beside the prototxt or in a folder on PYTHONPATH"
        ) from None
    finally:
        for place in added:
            sys.path.remove(place)


def layer_class(spec: pb.LayerParameter) -> type:
    p = spec.python_param
    if not p.module or not p.layer:
        raise LayerCodeError(
            f'layer {spec.name!r} (Python) needs python_param {{ module: "file" layer: "Class" }}'
        )
    provide_caffe_module()
    try:
        module = _import(spec)
    except LayerCodeError:
        raise
    except Exception as exc:
        raise LayerCodeError(
            f"{_where(spec)}: importing {p.module!r} raised {type(exc).__name__}: {exc}"
        ) from exc
    cls = getattr(module, p.layer, None)
    if not isinstance(cls, type):
        raise LayerCodeError(
            f"{_where(spec)}: module {p.module!r} ({module.__file__}) has no class {p.layer!r}"
        )
    return cls


def call(spec: pb.LayerParameter, method: str, *args) -> None:
    """``method`` of the user's layer, its errors named."""
    try:
        getattr(args[0], method)(*args[1:])
    except Exception as exc:
        raise LayerCodeError(f"{_where(spec)} raised {type(exc).__name__} in {method}(): {exc}") from exc


class Instance:
    """One user layer, set up on blobs of the net's bottom shapes, its tops shaped by setup and
    reshape, its learned blobs (if any) added by setup."""

    def __init__(self, spec: pb.LayerParameter, bottom_shapes, phase: int, dtype=np.float32):
        self.spec = spec
        cls = layer_class(spec)
        try:
            code = cls()
        except Exception as exc:
            raise LayerCodeError(
                f"{_where(spec)}: making the layer raised {type(exc).__name__}: {exc}"
            ) from exc
        code.param_str, code.phase = spec.python_param.param_str, phase
        self.code = code
        self.bottom = [pycaffe.Blob(shape, dtype) for shape in bottom_shapes]
        self.top = [pycaffe.Blob((), dtype) for _ in spec.top]
        call(spec, "setup", code, self.bottom, self.top)
        call(spec, "reshape", code, self.bottom, self.top)
        self.blobs = list(getattr(code, "_blobs", None) or ())
        for blob in (*self.bottom, *self.top, *self.blobs):
            blob.fixed = True

    @property
    def top_shapes(self) -> list[tuple[int, ...]]:
        return [blob.shape for blob in self.top]

    @property
    def blob_shapes(self) -> list[tuple[int, ...]]:
        return [blob.shape for blob in self.blobs]


@dataclass(frozen=True)
class Probe:
    """What a net's shapes and first parameters need of a Python layer."""

    top_shapes: tuple
    blob_shapes: tuple
    blob_values: tuple  # the learned blobs' values after setup (float64 copies)


@lru_cache(maxsize=64)
def _probed(serialized: bytes, bottom_shapes: tuple) -> Probe:
    spec = pb.LayerParameter.FromString(serialized)
    phase = spec.phase if spec.HasField("phase") else pycaffe.TRAIN
    made = Instance(spec, bottom_shapes, phase)
    values = tuple(np.array(blob.data, np.float64) for blob in made.blobs)
    return Probe(tuple(made.top_shapes), tuple(made.blob_shapes), values)


def probe(spec: pb.LayerParameter, bottom_shapes) -> Probe:
    """The tops' shapes after setup and reshape on bottoms of ``bottom_shapes``, and the learned
    blobs setup added (a layer made once per layer and shapes, however often the net's shapes
    are worked out)."""
    return _probed(spec.SerializeToString(), tuple(tuple(s) for s in bottom_shapes))
