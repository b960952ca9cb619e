"""IDX files, the format of MNIST and Fashion-MNIST (big-endian header, then uint8 data).

An image file starts with magic 2051 and the counts (images, rows, columns); a label file with
magic 2049 and the count. Plain files are memory-mapped; gzipped ones are read into memory.
"""

import gzip
import struct
from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | Path, expect_magic: int) -> np.ndarray:
    """uint8 images ``(n, rows, cols)`` (magic 2051) or labels ``(n,)`` (magic 2049) from ``path``."""
    path = Path(path)
    dims = 3 if expect_magic == IMAGES_MAGIC else 1
    header_size = 4 + 4 * dims
    with _open(path) as stream:
        try:
            header = stream.read(header_size)
        except (OSError, EOFError) as exc:  # a damaged gzip stream
            raise InputError(f"{path}: cannot be read as an IDX file ({exc})") from None
        if len(header) < 4:
            raise InputError(f"{path}: too short for an IDX header ({len(header)} bytes)")
        (magic,) = struct.unpack(">i", header[:4])
        if magic != expect_magic:
            kind = "images" if expect_magic == IMAGES_MAGIC else "labels"
            raise InputError(
                f"{path}: magic number {magic}, but an IDX {kind} file starts with {expect_magic}; "
                "is it the right file?"
            )
        if len(header) < header_size:
            raise InputError(f"{path}: too short for an IDX header ({len(header)} bytes)")
        shape = struct.unpack(f">{dims}i", header[4:])
        expected = int(np.prod(shape))
        if path.suffix == ".gz":
            try:
                data = np.frombuffer(stream.read(), dtype=np.uint8)
            except (OSError, EOFError) as exc:
                raise InputError(f"{path}: the gzip stream is damaged ({exc})") from None
        else:
            size = path.stat().st_size - header_size
            data = (
                np.memmap(path, dtype=np.uint8, mode="r", offset=header_size, shape=(size,))
                if size > 0
                else np.empty(0, dtype=np.uint8)  # an empty memory map is an error
            )
    if data.size != expected:
        raise InputError(
            f"{path}: the header promises {expected} bytes of data ({' x '.join(map(str, shape))}) "
            f"but the file holds {data.size}; it is truncated or damaged, download it again"
        )
    return data.reshape(shape)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write uint8 ``array`` (3-D images or 1-D labels) as an IDX file (gzipped if ``path`` ends in .gz)."""
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = IMAGES_MAGIC if array.ndim == 3 else LABELS_MAGIC
    header = struct.pack(f">{1 + array.ndim}i", magic, *array.shape)
    with gzip.open(path, "wb") if path.suffix == ".gz" else open(path, "wb") as stream:
        stream.write(header + array.tobytes())
