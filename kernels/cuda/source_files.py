"""Generated kernel source kept in files, so that Numba's disk cache can keep their compiled code.

Numba caches a kernel beside its source file, keyed by the file's path, modification time and size;
a kernel made with ``exec`` has no file, so it was compiled again in every process: 6-11 s per GEMM
variant on the development machine (Numba's own passes: NVVM itself takes 0.7 s), about ten variants
for a convnet. ``module_from_source(stem, source)`` writes the source once, to a file named by its
content, and imports it; later processes find the same file, untouched, and Numba's cached code with
it.

Where: ``$PYRPUDL_CACHE_DIR``, else ``$XDG_CACHE_HOME/pyrpudl`` (``~/.cache/pyrpudl``), under
``cuda-kernels/``. If that cannot be written, a temporary folder for this process: kernels still
work, only not cached between runs.
"""

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

FOLDER = "cuda-kernels"
_modules: dict = {}
_fallback: Path | None = None


def cache_root() -> Path:
    """The folder generated kernel sources go to (not created here)."""
    chosen = os.environ.get("PYRPUDL_CACHE_DIR")
    if chosen:
        return Path(chosen) / FOLDER
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pyrpudl" / FOLDER


def _write_once(path: Path, source: str) -> None:
    """Write ``source`` to ``path`` unless it is there: its modification time must not change, or
    Numba would discard the compiled code cached for it. Atomic, so a reader never sees half."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(source)
        os.replace(temporary, path)  # another process writing the same content may win: same bytes
    except BaseException:
        os.unlink(temporary)
        raise


def _fallback_root() -> Path:
    global _fallback
    if _fallback is None:
        _fallback = Path(tempfile.mkdtemp(prefix="pyrpudl-cuda-kernels-"))
    return _fallback


def source_path(stem: str, source: str) -> Path:
    """The file holding ``source``, written if need be (in the cache root, else a temporary folder)."""
    name = f"{stem}_{hashlib.sha256(source.encode()).hexdigest()[:16]}.py"
    path = cache_root() / name
    try:
        _write_once(path, source)
    except OSError:
        path = _fallback_root() / name
        _write_once(path, source)
    return path


def module_from_source(stem: str, source: str):
    """The module made by ``source``, loaded from its file (one per content, imported once)."""
    path = source_path(stem, source)
    module = _modules.get(path)
    if module is None:
        spec = importlib.util.spec_from_file_location(f"pyrpudl_generated_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # where Numba and pickle look a function's module up
        spec.loader.exec_module(module)
        _modules[path] = module
    return module
