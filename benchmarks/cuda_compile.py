"""Compile every CUDA kernel for the signatures the simulator recorded, in parallel processes.

    python benchmarks/cuda_compile.py ptx SIGNATURES.json [jobs]     (no GPU needed: NVVM for sm_90)
    python benchmarks/cuda_compile.py cache SIGNATURES.json [jobs]   (on a GPU: fills Numba's disk cache)

SIGNATURES.json comes from ``benchmarks/kernel_signatures.py`` (run by ``benchmarks/gpu_prepare.sh``).
Each of the generated GEMM kernels is compiled in every variant (tile, transposes, split-K, both
shared-memory layouts) with the GEMM signature recorded, whatever sizes the tests happened to use.

``ptx`` is the check before a lease: it finds what only Numba's compiler finds (typing errors the
simulator never sees), here, at no device time. ``cache`` is the first step of a lease
(``benchmarks/gpu.sh warm``): kernels compiled on all the machine's cores at once are then loaded
from the disk cache by the timed runs, which otherwise compile them one after another.
"""

import importlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CC = (9, 0)  # Hopper: the lent H100 and H200


def numba_type(described):
    import numpy as np
    from numba import from_dtype, types

    kind = described[0]
    if kind == "array":
        _, dtype, ndim, layout = described
        return types.Array(from_dtype(np.dtype(dtype)), ndim, layout)
    if kind == "scalar":
        return types.boolean if described[1] == "bool" else from_dtype(np.dtype(described[1]))
    if kind == "tuple":
        return types.BaseTuple.from_types([numba_type(d) for d in described[1]])
    raise ValueError(f"unknown argument description {described!r}")


def gemm_variants():
    """(tile, trans_a, trans_b, split, vector) of every GEMM kernel gemm.py can make."""
    from pyrpudl.kernels.cuda import gemm

    for tile in (gemm.TILE_32x128, gemm.TILE_64x64, gemm.TILE_128x128):
        for vector in (False, True) if tile != gemm.TILE_128x128 else (False,):
            for trans_a in (False, True):
                for trans_b in (False, True):
                    for split in (False, True):
                        yield (tile, trans_a, trans_b, split, vector)


def _dispatcher(task):
    if task["kind"] == "gemm":
        from pyrpudl.kernels.cuda import gemm

        tile, trans_a, trans_b, split, vector = task["variant"]
        gemm.VECTOR = vector  # read while the source is written
        try:
            return gemm._make_kernel(tuple(tile), trans_a, trans_b, split)
        finally:
            gemm.VECTOR = False
    found = importlib.import_module(task["module"])
    for part in task["name"].split("."):
        found = getattr(found, part)
    return found


class _Hopper:
    """Stands for the current device where there is none: device functions called by a kernel are
    compiled for the current device's compute capability, which is all Numba asks of it."""

    compute_capability = CC


def compile_one(mode, task):
    """Seconds taken, or the error: run in a worker process."""
    from numba import cuda, types

    if mode == "ptx":
        from numba.cuda import dispatcher as numba_dispatcher

        numba_dispatcher.get_current_device = _Hopper
    started = time.perf_counter()
    try:
        dispatcher = _dispatcher(task)
        signature = types.void(*[numba_type(a) for a in task["args"]])
        if mode == "ptx":
            cuda.compile_ptx(dispatcher.py_func, signature, cc=CC)
        else:
            dispatcher.compile(signature.args)
    except Exception as error:  # reported with the kernel's name, the run goes on
        lines = f"{type(error).__name__}: {error}".strip().splitlines()
        return None, "\n    ".join(lines[:12])
    return time.perf_counter() - started, None


def tasks(signatures_path: Path, mode: str):
    """What to compile: each recorded kernel signature, and every GEMM variant with each GEMM
    signature recorded (for ``ptx``, one is enough to check the typing: they differ in layout)."""
    entries = json.loads(signatures_path.read_text())
    gemm_signatures = []
    for entry in entries:
        if (entry["generated"] or "").startswith("gemm_") and entry["args"] not in gemm_signatures:
            gemm_signatures.append(entry["args"])
    if not gemm_signatures:
        raise SystemExit(f"{signatures_path} records no GEMM launch: record the whole tests/cuda")
    if mode == "ptx":
        gemm_signatures = gemm_signatures[:1]
    found = []
    for entry in entries:
        if entry["generated"] is None:
            label = f"{entry['module'].rsplit('.', 1)[-1]}.{entry['name']}"
            found.append({"kind": "kernel", "label": label, **entry})
    for variant in gemm_variants():
        tile, trans_a, trans_b, split, vector = variant
        label = f"gemm {tile[0]}x{tile[1]} {'t' if trans_a else 'n'}{'t' if trans_b else 'n'}"
        label += (" split" if split else "") + (" vector" if vector else "")
        for number, args in enumerate(gemm_signatures):
            suffix = f" #{number + 1}" if len(gemm_signatures) > 1 else ""
            found.append({"kind": "gemm", "variant": variant, "args": args, "label": label + suffix})
    return found


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in ("ptx", "cache"):
        print(__doc__)
        return 2
    mode, path = sys.argv[1], Path(sys.argv[2])
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else max(1, (os.cpu_count() or 2) - 1)
    todo = tasks(path, mode)
    print(f"{mode}: {len(todo)} kernel signatures on {jobs} processes", flush=True)
    started = time.perf_counter()
    failures, times = [], []
    # spawn: each worker starts its own Numba (and, for cache, its own CUDA context)
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(compile_one, mode, task): task for task in todo}
        for future in as_completed(futures):
            seconds, error = future.result()
            if error:
                failures.append((futures[future]["label"], error))
                print(f"FAILED {futures[future]['label']}: {error}", flush=True)
            else:
                times.append((seconds, futures[future]["label"]))
    wall = time.perf_counter() - started
    times.sort(reverse=True)
    slowest = ", ".join(f"{label} {seconds:.1f} s" for seconds, label in times[:3])
    print(f"{mode}: {len(times)} compiled, {len(failures)} failed, {wall:.0f} s on {jobs} processes "
          f"({sum(s for s, _ in times):.0f} s of compiling; slowest: {slowest})")  # fmt: skip
    for label, error in failures:
        print(f"  failed: {label}: {error.splitlines()[0][:200]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
