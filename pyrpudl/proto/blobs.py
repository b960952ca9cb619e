"""Caffe's BlobProto to and from NumPy: an N-D ``shape``, or Caffe's legacy 4-D (num, channels,
height, width), with float ``data`` or ``double_data``."""

import numpy as np

from pyrpudl.proto.rpudl_model_pb2 import BlobProto


def blob_shape(blob: BlobProto) -> tuple[int, ...]:
    """The blob's N-D shape, or its legacy 4-D one when it has no ``shape``."""
    if blob.HasField("shape"):
        return tuple(int(d) for d in blob.shape.dim)
    return (blob.num, blob.channels, blob.height, blob.width)


def blob_values(blob: BlobProto) -> np.ndarray:
    """The blob's values as flat float32 (its float data, else its double data)."""
    return np.asarray(blob.data if len(blob.data) else blob.double_data, dtype=np.float32)


def array_blob(values: np.ndarray, legacy: bool = False) -> BlobProto:
    """A blob of ``values`` with float data: an N-D ``shape`` (Caffe's ``Blob::ToProto``), or with
    ``legacy`` the 4-D fields of an array of four axes (as Caffe's compute_image_mean writes)."""
    blob = BlobProto()
    if legacy:
        blob.num, blob.channels, blob.height, blob.width = (int(d) for d in values.shape)
    else:
        blob.shape.dim.extend(int(d) for d in values.shape)
    blob.data.extend(np.asarray(values, dtype=np.float32).ravel().tolist())
    return blob
