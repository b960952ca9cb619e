"""Which device runs the engine, and why CUDA is or is not usable."""

import functools
import importlib.util
import os
from dataclasses import dataclass

from pyrpudl.errors import DeviceUnavailableError, InputError

DEVICES = ("auto", "cpu", "cuda")
DEVICE_ENV = "PYRPUDL_DEVICE"


@dataclass(frozen=True)
class CudaStatus:
    """Whether CUDA can run our kernels; ``reason`` says why not (or which GPU when it can)."""

    available: bool
    reason: str
    simulator: bool = False


@functools.cache
def cuda_status() -> CudaStatus:
    """Probe CUDA once per process: the package, the driver, a device."""
    simulator = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
    if simulator:
        return CudaStatus(True, "Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1): slow, for tests", True)
    if importlib.util.find_spec("numba_cuda") is None:
        return CudaStatus(
            False,
            "the numba-cuda package is not installed (pip install 'pyrpudl[cuda]')",
        )
    try:
        from numba import cuda
    except Exception as exc:  # a broken CUDA install must not break the CPU engine
        return CudaStatus(False, f"numba.cuda failed to import: {exc}")
    try:
        if cuda.is_available():
            gpu = cuda.get_current_device()
            name = gpu.name.decode() if isinstance(gpu.name, bytes) else str(gpu.name)
            return CudaStatus(True, f"{name} (compute capability {gpu.compute_capability})")
        error = cuda.cuda_error()
    except Exception as exc:
        error = exc
    detail = " ".join(str(error).split()).rstrip(".") if error else "no CUDA-capable GPU was found"
    return CudaStatus(False, f"no usable GPU: {detail}")


def resolve_device(requested: str | None = None) -> str:
    """Turn "auto"/"cpu"/"cuda" (or ``None``: ``$PYRPUDL_DEVICE``, else "auto") into "cpu" or "cuda".

    Raises
    ------
    InputError
        For a name that is not a device.
    DeviceUnavailableError
        When "cuda" is asked for and cannot be used; the message says why and what to do.
    """
    source = "argument"
    if requested is None:
        requested, source = os.environ.get(DEVICE_ENV, "auto") or "auto", DEVICE_ENV
    name = str(requested).strip().lower()
    if name not in DEVICES:
        raise InputError(f"unknown device {requested!r} (from {source}); choose one of {', '.join(DEVICES)}")
    if name == "cpu":
        return "cpu"
    status = cuda_status()
    if status.available:
        return "cuda"
    if name == "auto":
        return "cpu"
    raise DeviceUnavailableError(
        f"device 'cuda' was requested (from {source}) but CUDA cannot be used: {status.reason}. "
        "Use device 'cpu' (or 'auto'), or install an NVIDIA driver and pyrpudl[cuda]."
    )
