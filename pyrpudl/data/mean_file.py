"""Mean images stored as Caffe's binary BlobProto (mean.binaryproto), readable by Caffe and by us."""

from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError

from pyrpudl.errors import InputError
from pyrpudl.files import atomic_file
from pyrpudl.proto import BlobProto
from pyrpudl.proto.blobs import array_blob, blob_shape, blob_values


def training_mean(images: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Per-pixel mean ``(C, H, W)`` float32 of images ``(n, C, H, W)``, summed in chunks (exactly
    for uint8 images, in float64 for real values)."""
    if len(images) == 0:
        raise InputError("the training set is empty, so it has no mean")
    kind = np.uint64 if images.dtype.kind in "biu" else np.float64
    total = np.zeros(images.shape[1:], dtype=kind)
    for start in range(0, len(images), chunk):
        total += images[start : start + chunk].sum(axis=0, dtype=kind)
    return (total / len(images)).astype(np.float32)


def write_mean(path: str | Path, mean: np.ndarray) -> None:
    """Write ``mean`` (C, H, W) as a BlobProto with Caffe's legacy dimensions (num = 1), atomically."""
    with atomic_file(path) as out:
        out.write(array_blob(np.asarray(mean)[None], legacy=True).SerializeToString())


def read_mean(path: str | Path) -> np.ndarray:
    """A mean image (C, H, W) float32 from a BlobProto file (ours or Caffe's)."""
    path = Path(path)
    blob = BlobProto()
    try:
        blob.ParseFromString(path.read_bytes())
    except DecodeError as exc:
        raise InputError(f"{path}: not a BlobProto mean file ({exc})") from None
    dims = list(blob_shape(blob))
    image = dims[1:] if len(dims) == 4 and dims[0] == 1 else dims
    values = blob_values(blob)
    if len(image) != 3 or values.size != int(np.prod(image)):
        raise InputError(
            f"{path}: a mean file holds one image (1 x channels x height x width); this one has "
            f"dimensions {dims} and {values.size} values"
        )
    return values.reshape(image)
