"""HDF5, Caffe's second file format (snapshots with ``snapshot_format: HDF5``, ``.caffemodel.h5``
weights, the HDF5Data layer's files), through h5py, imported only when such a file is met."""

from pathlib import Path

from pyrpudl.errors import InputError

SIGNATURE = b"\x89HDF\r\n\x1a\n"  # at the start of the file (or of a 512, 1024, ... byte user block)


def is_hdf5(path: str | Path) -> bool:
    """Whether ``path`` is an HDF5 file (Caffe asks H5Fis_hdf5 the same question)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if head == SIGNATURE:
                return True
            offset = 512
            while head and offset <= 1 << 20:
                handle.seek(offset)
                head = handle.read(8)
                if head == SIGNATURE:
                    return True
                offset *= 2
    except OSError:
        return False
    return False


def h5py():
    """The h5py module, or an error that says how to get it."""
    try:
        import h5py as module
    except ImportError:
        raise InputError(
            "reading or writing HDF5 files needs the h5py package: pip install h5py (it is one of "
            "pyrpudl's dependencies; this environment lacks it)"
        ) from None
    return module


def open_hdf5(path: str | Path, mode: str = "r", what: str = "HDF5 file"):
    """``h5py.File(path, mode)``, with an error naming ``what`` the file should be."""
    module = h5py()
    try:
        return module.File(path, mode)
    except OSError as exc:
        reason = "it does not exist" if mode == "r" and not Path(path).exists() else str(exc)
        raise InputError(f"cannot open the {what} {path}: {reason}") from None
