"""Which CUDA kernels run, with which argument types: recorded in Numba's CUDA simulator, for
``benchmarks/cuda_compile.py`` to compile for a real GPU without one (or ahead of time on one).

The simulator runs a kernel's Python source and never types it, so an error that only Numba's
compiler would find (a float64 where float32 was meant, an unsupported call) passes every simulator
test and costs a lent GPU's time to discover. This is a pytest plugin: under the simulator it notes
each launch's kernel and argument types, and writes them as JSON at the end of the session.

    NUMBA_ENABLE_CUDASIM=1 KERNEL_SIGNATURES=out.json PYTHONPATH=benchmarks \\
        python -m pytest -q -p kernel_signatures [-n auto] tests/cuda

(with pytest-xdist's ``-n``, each worker writes a part beside ``out.json`` and the controller merges
them).

An argument type is written as ["array", dtype, ndim, layout], ["scalar", dtype] or
["tuple", [types...]]: what ``numba.typeof`` gives for the device array or value a real launch
passes (a device array's layout is "C", "F" or "A" by its strides, as for the host array here).
"""

import json
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_seen: dict = {}


def describe(value):
    """The JSON form of the Numba type a launch with ``value`` is compiled for."""
    array = getattr(value, "_ary", value)  # the simulator's device arrays wrap a NumPy array
    if isinstance(array, np.ndarray) and array.ndim > 0:
        flags = array.flags
        layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
        return ["array", array.dtype.name, array.ndim, layout]
    if isinstance(value, (bool, np.bool_)):
        return ["scalar", "bool"]
    if isinstance(value, int):
        return ["scalar", "int64"]
    if isinstance(value, float):
        return ["scalar", "float64"]
    if isinstance(value, np.generic):
        return ["scalar", value.dtype.name]
    if isinstance(value, tuple):
        return ["tuple", [describe(v) for v in value]]
    raise TypeError(f"no Numba type written for a kernel argument of type {type(value).__name__}")


def _where(fn) -> dict:
    """How to find the kernel again: its module and name, or (a generated GEMM) its file's stem."""
    path = Path(fn.__code__.co_filename)
    generated = ROOT not in path.parents
    return {"module": fn.__module__, "name": fn.__qualname__, "generated": path.stem if generated else None}


def _record(kernel, args) -> None:
    where = _where(kernel.fn)
    try:
        types = [describe(a) for a in args]
    except TypeError as error:
        raise TypeError(f"{where['module']}.{where['name']}: {error}") from None
    key = json.dumps([where, types], sort_keys=True)
    _seen[key] = _seen.get(key, 0) + 1


def pytest_configure(config):
    from numba import config as numba_config

    if not numba_config.ENABLE_CUDASIM:
        raise RuntimeError("kernel_signatures records launches in the simulator: set NUMBA_ENABLE_CUDASIM=1")
    from numba.cuda.simulator import kernel as simulated

    launch = simulated.FakeCUDAKernel.__call__

    def recording(self, *args):
        if not self._device and not simulated._kernel_context:  # a launch, not a device call
            _record(self, args)
        return launch(self, *args)

    simulated.FakeCUDAKernel.__call__ = recording


def _write(path: Path, seen: dict) -> int:
    entries = []
    for key, count in sorted(seen.items()):
        where, types = json.loads(key)
        entries.append({**where, "args": types, "launches": count})
    path.write_text("[\n" + ",\n".join(json.dumps(e) for e in entries) + "\n]\n")  # one a line
    return len(entries)


def _read(path: Path) -> dict:
    return {json.dumps([{k: e[k] for k in ("module", "name", "generated")}, e["args"]], sort_keys=True):
            e["launches"] for e in json.loads(path.read_text())}  # fmt: skip


def pytest_sessionfinish(session, exitstatus):
    """Each pytest-xdist worker writes its own part; the controller, which runs no tests, merges them
    once the workers are done (run alone, pytest is its own controller with no parts to merge)."""
    out = Path(os.environ.get("KERNEL_SIGNATURES", "kernel_signatures.json"))
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    if worker is not None:
        _write(out.with_name(f"{out.name}.{worker}"), _seen)
        return
    seen = dict(_seen)
    for part in sorted(out.parent.glob(f"{out.name}.gw*")):
        for key, count in _read(part).items():
            seen[key] = seen.get(key, 0) + count
        part.unlink()
    count = _write(out, seen)
    print(f"\nkernel_signatures: {count} kernel signatures written to {out}")
