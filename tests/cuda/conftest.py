"""CUDA kernels and the CUDA backend, checked against their CPU twins.

On a machine without a GPU these run in Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, set by
``scripts/test.sh`` for a separate pytest run of this folder); the simulator costs ~0.1 ms per GPU
thread, so shapes stay tiny. Tests marked ``gpu`` need a real GPU and real sizes.
"""

import os

import numpy as np
import pytest

from pyrpudl.backend import cuda_status

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def pytest_collection_modifyitems(config, items):
    status = cuda_status()
    here = os.path.dirname(__file__)
    for item in items:
        if not str(item.fspath).startswith(here):
            continue
        if not status.available:
            item.add_marker(
                pytest.mark.skip(reason="no GPU here: scripts/test.sh runs these in Numba's CUDA simulator")
            )
        elif item.get_closest_marker("gpu") and SIMULATED:
            reason = "needs a real GPU (the simulator is too slow at real sizes)"
            item.add_marker(pytest.mark.skip(reason=reason))


def relative_error(out, ref) -> float:
    """‖out − ref‖ / ‖ref‖ in float64 (0 when both are zero); NaN never passes a comparison with it."""
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    scale = np.linalg.norm(ref)
    error = np.linalg.norm(out - ref)
    return float(error / scale) if scale else float(error)


def assert_close(out, ref, tolerance=1e-4):
    assert np.all(np.isfinite(out)), "output holds NaN or inf (an element left unwritten?)"
    error = relative_error(out, ref)
    assert error < tolerance, f"relative error {error:.3g} >= {tolerance}"


def poisoned(shape, dtype=np.float32):
    """A device array full of NaN (or -1 for integers): every element the op fails to write shows."""
    from numba import cuda

    fill = -1 if np.issubdtype(dtype, np.integer) else np.nan
    return cuda.to_device(np.full(shape, fill, dtype=dtype))
