"""LMDB databases of Datum records, as Caffe's convert tools write them, and as rpudl documented them.

Two kinds of record are read, told apart by their first byte:

- Caffe's ``Datum`` (channels = 1, height = 2, width = 3, data = 4, label = 5, ...) starts with
  0x08 (field 1, a varint);
- rpudl's ``Datum`` (data = 1, label = 2) starts with 0x0A (field 1, bytes); it carries no shape,
  so the user gives one.

Records are read in key order (Caffe's order); keys are written zero-padded (``%08d``), as Caffe's
convert_mnist_data and convert_cifar_data do. A Caffe Datum may hold an encoded image (PNG, JPEG, ...:
``convert_imageset --encoded``): it is decoded as Caffe's Data layer decodes it by default
(OpenCV's IMREAD_ANYCOLOR), a grey image to one channel, a colour one to three in OpenCV's blue,
green, red order (an alpha channel dropped; images.py).
"""

import os
import shutil
import tempfile
from pathlib import Path

import lmdb
import numpy as np
from google.protobuf.message import DecodeError

from pyrpudl.data.images import decode_image
from pyrpudl.errors import InputError
from pyrpudl.proto import Datum, RpudlDatum

KINDS = ("caffe", "rpudl")


def _decode(key: bytes, value: bytes, path: Path, shape: tuple[int, ...] | None):
    """(pixels as uint8 bytes, label, shape) of one record."""
    where = f"{path}, key {key.decode(errors='replace')!r}"
    try:
        if value[:1] == b"\x0a":
            record = RpudlDatum.FromString(value)
            if shape is None:
                raise InputError(
                    f"{where}: rpudl Datum records carry no image shape; give it (channels, height, width)"
                )
            return record.data, record.label, shape
        record = Datum.FromString(value)
    except DecodeError as exc:
        raise InputError(f"{where}: the value is neither a Caffe nor an rpudl Datum ({exc})") from None
    if record.encoded:
        pixels = decode_image(record.data, f"{where}: its encoded image")
        return pixels.tobytes(), record.label, pixels.shape
    if not record.HasField("data"):
        kind = "float_data" if len(record.float_data) else "no pixel data"
        raise InputError(f"{where}: has {kind}; pyrpudl reads 8-bit pixels (the data field)")
    return record.data, record.label, (record.channels, record.height, record.width)


def read_lmdb(path: str | Path, shape: tuple[int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n, C, H, W)`` uint8 and labels ``(n,)`` int32 of the LMDB at ``path``, in key order."""
    path = Path(path)
    if not (path / "data.mdb").is_file():
        raise InputError(f"{path} is not an LMDB database (it has no data.mdb)")
    shape = tuple(int(d) for d in shape) if shape is not None else None
    with lmdb.open(str(path), readonly=True, lock=False, readahead=False, subdir=True) as env:
        count = env.stat()["entries"]
        images = labels = None
        with env.begin() as txn:
            for i, (key, value) in enumerate(txn.cursor()):
                data, label, record_shape = _decode(key, value, path, shape)
                if images is None:
                    shape = record_shape
                    images = np.empty((count, *shape), dtype=np.uint8)
                    labels = np.empty(count, dtype=np.int32)
                size = int(np.prod(shape))
                if record_shape != shape or len(data) != size:
                    raise InputError(
                        f"{path}, key {key.decode(errors='replace')!r}: {len(data)} bytes for an image of "
                        f"shape {record_shape}, but the database's images are {shape} ({size} bytes)"
                    )
                images[i].reshape(-1)[:] = np.frombuffer(data, dtype=np.uint8)
                labels[i] = label
    if images is None:
        raise InputError(f"{path}: the database is empty")
    return images, labels


def write_lmdb(path: str | Path, images: np.ndarray, labels: np.ndarray, kind: str = "caffe") -> Path:
    """Write images ``(n, C, H, W)`` (0..255) with labels as Datum records, keys ``00000000``, ...

    The database is built beside ``path`` and moved into place when complete; an existing
    database at ``path`` is an error rather than something silently overwritten.
    """
    path = Path(path)
    if kind not in KINDS:
        raise InputError(f"unknown Datum kind {kind!r}; choose one of {', '.join(KINDS)}")
    images = np.asarray(images)
    labels = np.asarray(labels).reshape(-1)
    if images.ndim != 4:
        raise InputError(f"images must be 4-D (n, channels, height, width), not of shape {images.shape}")
    if len(images) != len(labels):
        raise InputError(f"{len(images)} images but {len(labels)} labels; give one label per image")
    if images.size and (images.min() < 0 or images.max() > 255 or np.any(images != np.round(images))):
        raise InputError("pixels must be whole numbers from 0 to 255 to be stored as bytes")
    if labels.size and (labels.min() < 0 or np.any(labels != np.round(labels))):
        raise InputError("labels must be whole numbers from 0 up")
    if path.exists():
        raise InputError(f"{path} exists already; remove it or choose another name")
    pixels = images.astype(np.uint8)
    _, channels, height, width = pixels.shape
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        with lmdb.open(str(staging), map_size=2 * pixels.nbytes + (64 << 20), subdir=True) as env:
            with env.begin(write=True) as txn:
                for i, (image, label) in enumerate(zip(pixels, labels.astype(np.int64), strict=True)):
                    if kind == "caffe":
                        record = Datum(channels=channels, height=height, width=width, label=int(label))
                    else:
                        record = RpudlDatum(label=int(label))
                    record.data = image.tobytes()
                    txn.put(f"{i:08d}".encode(), record.SerializeToString())
        os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def find_lmdb_pair(folder: Path) -> tuple[Path, Path] | None:
    """The training and test databases in ``folder``: sub-folders with data.mdb named *train* / *test*."""
    databases = [p for p in sorted(folder.iterdir()) if (p / "data.mdb").is_file()] if folder.is_dir() else []
    train = [p for p in databases if "train" in p.name.lower()]
    test = [p for p in databases if "test" in p.name.lower() or "val" in p.name.lower()]
    if len(train) == 1 and len(test) == 1:
        return train[0], test[0]
    return None
