"""Compute devices and backends.

``resolve_device("auto" | "cpu" | "cuda")`` picks where work runs (``PYRPUDL_DEVICE`` overrides
"auto"); ``get_backend(...)`` gives that device's arrays and ops. Nothing here imports Numba's CUDA
target until a caller asks for CUDA.
"""

from pyrpudl.backend.backend import Backend, RecordedSteps, get_backend
from pyrpudl.backend.device import DEVICES, CudaStatus, cuda_status, resolve_device

__all__ = [
    "DEVICES",
    "Backend",
    "CudaStatus",
    "RecordedSteps",
    "cuda_status",
    "get_backend",
    "resolve_device",
]
