"""A report of what this installation runs on, for ``rpudlInfo()`` and ``pyrpudl info``."""

import importlib.metadata
import os
import platform
import sys

import pyrpudl
from pyrpudl.backend import cuda_status, resolve_device

# Distributions whose versions matter when a user reports a problem.
REPORTED_PACKAGES = (
    "numpy",
    "numba",
    "llvmlite",
    "numba-cuda",
    "protobuf",
    "lmdb",
    "plotnine",
    "rpy2",
    "rpy2-rinterface",
)


def package_versions() -> dict[str, str]:
    """Installed version of each reported package, or "not installed"."""
    versions = {"pyrpudl": pyrpudl.__version__}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def threading_info() -> dict[str, object]:
    """CPU threads available to us and the Numba threading layer."""
    import numba

    try:
        active = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        active = None
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "threading_layer": numba.config.THREADING_LAYER,
        "threading_layer_active": active,
    }


def collect(python_reason: str = "it is the interpreter running this process") -> dict:
    """Everything ``rpudlInfo()`` and ``pyrpudl info`` show, as plain values."""
    status = cuda_status()
    return {
        "python": {
            "executable": sys.executable,
            "version": platform.python_version(),
            "prefix": sys.prefix,
            "reason": python_reason,
        },
        "packages": package_versions(),
        "threads": threading_info(),
        "cuda": {"available": status.available, "reason": status.reason},
        "device": resolve_device("auto"),
        "device_setting": os.environ.get("PYRPUDL_DEVICE", "auto (not set)"),
    }


def format_info(info: dict, extra: dict[str, str] | None = None) -> str:
    """Human-readable lines for ``info``; ``extra`` adds lines from the caller (R's side)."""
    py, threads, cuda = info["python"], info["threads"], info["cuda"]
    layer = threads["threading_layer"]
    if threads["threading_layer_active"]:
        layer += f" (active: {threads['threading_layer_active']})"
    lines = [f"pyrpudl {info['packages']['pyrpudl']}"]
    lines += [f"  {key:<14} {value}" for key, value in (extra or {}).items()]
    lines += [
        f"  Python         {py['version']} at {py['executable']}",
        f"                 chosen because {py['reason']}",
        f"  CPU threads    {threads['usable_cpus']} usable of {threads['cpu_count']}; "
        f"Numba uses {threads['numba_threads']}, threading layer {layer}",
        f"  CUDA           {'available' if cuda['available'] else 'not available'}: {cuda['reason']}",
        f"  device         {info['device']} (PYRPUDL_DEVICE: {info['device_setting']})",
        "  packages       " + ", ".join(f"{name} {version}" for name, version in info["packages"].items()),
    ]
    return "\n".join(lines)
