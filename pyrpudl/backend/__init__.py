"""Compute device selection.

``resolve_device("auto" | "cpu" | "cuda")`` picks where work runs; ``PYRPUDL_DEVICE`` overrides
"auto". Nothing here imports Numba's CUDA target until a caller asks about CUDA.
"""

from pyrpudl.backend.device import DEVICES, CudaStatus, cuda_status, resolve_device

__all__ = ["DEVICES", "CudaStatus", "cuda_status", "resolve_device"]
