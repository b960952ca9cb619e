"""Mean images stored as Caffe's binary BlobProto (mean.binaryproto), readable by Caffe and by us."""

import os
import tempfile
from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError

from pyrpudl.errors import InputError
from pyrpudl.proto import BlobProto


def training_mean(images: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Per-pixel mean ``(C, H, W)`` float32 of uint8 images ``(n, C, H, W)``, summed exactly in chunks."""
    if len(images) == 0:
        raise InputError("the training set is empty, so it has no mean")
    total = np.zeros(images.shape[1:], dtype=np.uint64)
    for start in range(0, len(images), chunk):
        total += images[start : start + chunk].sum(axis=0, dtype=np.uint64)
    return (total / len(images)).astype(np.float32)


def write_mean(path: str | Path, mean: np.ndarray) -> None:
    """Write ``mean`` (C, H, W) as a BlobProto with Caffe's legacy dimensions (num = 1), atomically."""
    path = Path(path)
    channels, height, width = mean.shape
    blob = BlobProto(num=1, channels=channels, height=height, width=width)
    blob.data.extend(np.asarray(mean, dtype=np.float32).ravel().tolist())
    # write beside the target and rename, so a failure never leaves half a file
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(blob.SerializeToString())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_mean(path: str | Path) -> np.ndarray:
    """A mean image (C, H, W) float32 from a BlobProto file (ours or Caffe's)."""
    path = Path(path)
    blob = BlobProto()
    try:
        blob.ParseFromString(path.read_bytes())
    except DecodeError as exc:
        raise InputError(f"{path}: not a BlobProto mean file ({exc})") from None
    if blob.HasField("shape"):
        dims = list(blob.shape.dim)
    else:
        dims = [blob.num, blob.channels, blob.height, blob.width]
    image = dims[1:] if len(dims) == 4 and dims[0] == 1 else dims
    values = np.asarray(blob.data if len(blob.data) else blob.double_data, dtype=np.float32)
    if len(image) != 3 or values.size != int(np.prod(image)):
        raise InputError(
            f"{path}: a mean file holds one image (1 x channels x height x width); this one has "
            f"dimensions {dims} and {values.size} values"
        )
    return values.reshape(image)
