"""Files written whole or not at all, and files found where a prototxt's names point."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_file(path: str | Path):
    """A binary file to write ``path`` through: written beside it and renamed into place when the
    block ends, removed if the block fails, so a failure never leaves half a file (nor harms an
    earlier one)."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: str | Path):
    """Like :func:`atomic_file`, for writers that want a file name (HDF5): the temporary path to
    write, renamed to ``path`` when the block ends, removed if it fails."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def find_file(path: Path, folders: tuple[Path, ...]) -> Path | None:
    """``path`` as written (from the working folder), else inside the first of ``folders`` that
    holds it when it is relative; None when it is nowhere."""
    if path.is_file():
        return path
    if not path.is_absolute():
        for folder in folders:
            if (folder / path).is_file():
                return folder / path
    return None
