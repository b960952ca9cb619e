"""Numba settings that must be in place before any parallel kernel runs.

R forks (``parallel::mclapply``) and a forked child that inherits an OpenMP runtime can hang;
Numba's OpenMP threads also spin and fight OpenBLAS's threads for the cores. The ``workqueue``
layer is fork-safe and does not spin, so it is our default. A user who sets
``NUMBA_THREADING_LAYER`` keeps their choice.
"""

import os
import sys

DEFAULT_THREADING_LAYER = "workqueue"

# CUDA: kernels without an explicit stream go to the per-thread default stream (CUDA Python, which
# Numba-CUDA drives, reads this when it loads), which unlike the legacy default stream can be
# captured into a CUDA graph: a training step becomes one replay instead of ~50 launches. Numba's
# low-occupancy warning is silenced: our small kernels trigger it by design, and issuing it costs
# microseconds on every launch.
PER_THREAD_STREAM = "CUDA_PYTHON_CUDA_PER_THREAD_DEFAULT_STREAM"
CUDA_SETTINGS = {PER_THREAD_STREAM: "1", "NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS": "0"}


def configure_numba_threading() -> str:
    """Select the fork-safe threading layer unless the user chose one; return the layer in force."""
    for name, value in CUDA_SETTINGS.items():
        os.environ.setdefault(name, value)
    layer = os.environ.setdefault("NUMBA_THREADING_LAYER", DEFAULT_THREADING_LAYER)
    numba = sys.modules.get("numba")
    if numba is not None:
        # numba read its config when it was imported: update the live value too. Once a parallel
        # kernel has launched, numba keeps the layer it started with (threading_layer() says which).
        numba.config.THREADING_LAYER = layer
    return layer
