"""pyrpudl: deep learning for R users on a Numba engine.

Importing this package is cheap and never touches CUDA: the device is chosen only when
work asks for one (see :mod:`pyrpudl.backend`).
"""

from pyrpudl._numba_setup import configure_numba_threading
from pyrpudl.errors import DeviceUnavailableError, InputError, PyrpudlError

__version__ = "0.1.0"

configure_numba_threading()

__all__ = ["DeviceUnavailableError", "InputError", "PyrpudlError", "__version__", "info"]


def info() -> dict:
    """What this installation runs on: versions, Python, threads, CUDA (:func:`pyrpudl.info.collect`)."""
    from pyrpudl.info import collect

    return collect()
