"""Numba settings that must be in place before any parallel kernel runs.

R forks (``parallel::mclapply``) and a forked child that inherits an OpenMP runtime can hang;
Numba's OpenMP threads also spin and fight OpenBLAS's threads for the cores. So the layer is a
fork-safe one: Numba's ``forksafe`` choice, TBB when it loads, else ``workqueue``. TBB starts a
parallel loop in ~5 us on the development machine where workqueue takes ~265 (35 futex calls a
launch in a VM), which a LeNet training step, with ~20 loops, feels. The ``tbb`` wheel puts its
library in the environment's lib/, which is not on the loader's path: it is loaded from there
before Numba looks for it. A user who sets ``NUMBA_THREADING_LAYER`` keeps their choice.
"""

import ctypes
import os
import sys

DEFAULT_THREADING_LAYER = "forksafe"
TBB_LIBRARY = "libtbb.so.12"

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
    if layer in ("forksafe", "tbb", "safe", "threadsafe", "default"):
        _load_environment_tbb()
    numba = sys.modules.get("numba")
    if numba is not None:
        # numba read its config when it was imported: update the live value too. Once a parallel
        # kernel has launched, numba keeps the layer it started with (threading_layer() says which).
        numba.config.THREADING_LAYER = layer
    return layer


def _load_environment_tbb() -> bool:
    """Load the tbb wheel's library from this environment's lib/ (so Numba's TBB layer finds it
    by name); False when there is none or it does not load (Numba then picks workqueue)."""
    path = os.path.join(sys.prefix, "lib", TBB_LIBRARY)
    if not os.path.exists(path):
        return False
    try:
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return False
    return True
