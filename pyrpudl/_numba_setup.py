"""Numba settings that must be in place before any parallel kernel runs.

R forks (``parallel::mclapply``) and a forked child that inherits an OpenMP runtime can hang;
Numba's OpenMP threads also spin and fight OpenBLAS's threads for the cores. The ``workqueue``
layer is fork-safe and does not spin, so it is our default. A user who sets
``NUMBA_THREADING_LAYER`` keeps their choice.
"""

import os
import sys

DEFAULT_THREADING_LAYER = "workqueue"


def configure_numba_threading() -> str:
    """Select the fork-safe threading layer unless the user chose one; return the layer in force."""
    layer = os.environ.setdefault("NUMBA_THREADING_LAYER", DEFAULT_THREADING_LAYER)
    numba = sys.modules.get("numba")
    if numba is not None:
        # numba read its config when it was imported: update the live value too. Once a parallel
        # kernel has launched, numba keeps the layer it started with (threading_layer() says which).
        numba.config.THREADING_LAYER = layer
    return layer
