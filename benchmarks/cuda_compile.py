"""Compile every CUDA kernel for the signatures the simulator recorded, in parallel processes.

    python benchmarks/cuda_compile.py ptx SIGNATURES.json [jobs]     (no GPU needed: NVVM for sm_90)
    python benchmarks/cuda_compile.py cache SIGNATURES.json [jobs]   (on a GPU: fills Numba's disk cache)

SIGNATURES.json comes from ``benchmarks/kernel_signatures.py`` (run by ``benchmarks/gpu_prepare.sh``).
Each of the generated GEMM kernels is compiled in every variant (tile, transposes, split-K, both
shared-memory layouts, and conv_gemm's gathering ones) with the signatures recorded for its kind,
whatever sizes the tests happened to use.

``ptx`` is the check before a lease: it finds what only Numba's compiler finds (typing errors the
simulator never sees), here, at no device time, and, where ptxas is at hand (a CUDA toolkit),
assembles each kernel for sm_90 as the driver would and prints its registers, shared memory and
spills (the compiler's resource report). ``cache`` is the first step of a lease
(``benchmarks/gpu.sh warm``): kernels compiled on all the machine's cores at once are then loaded
from the disk cache by the timed runs, which otherwise compile them one after another.
"""

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
    """(tile, trans_a, trans_b, split, vector, conv) of every GEMM kernel gemm.py can make (conv:
    conv_gemm's, whose b is a column matrix read through its tables, never transposed a)."""
    from pyrpudl.kernels.cuda import gemm

    for tile in (gemm.TILE_32x128, gemm.TILE_64x64, gemm.TILE_128x128):
        for vector in (False, True) if tile != gemm.TILE_128x128 else (False,):
            for conv in (False, True):
                for trans_a in (False, True) if not conv else (False,):
                    for trans_b in (False, True):
                        for split in (False, True):
                            yield (tile, trans_a, trans_b, split, vector, conv)


def _dispatcher(task):
    if task["kind"] == "gemm":
        from pyrpudl.kernels.cuda import gemm

        tile, trans_a, trans_b, split, vector, conv = task["variant"]
        gemm.VECTOR = vector  # read while the source is written
        try:
            return gemm._make_kernel(tuple(tile), trans_a, trans_b, split, conv)
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
            options = dispatcher.targetoptions
            ptx, _ = cuda.compile_ptx(dispatcher.py_func, signature, cc=CC, fastmath=options.get("fastmath"),
                                      launch_bounds=options.get("launch_bounds"))  # fmt: skip
            resources = assemble(ptx)
        else:
            dispatcher.compile(signature.args)
            resources = None
    except Exception as error:  # reported with the kernel's name, the run goes on
        lines = f"{type(error).__name__}: {error}".strip().splitlines()
        return None, "\n    ".join(lines[:12]), None
    return time.perf_counter() - started, None, resources


REPORT = {  # what ptxas -v says of an entry function
    "registers": r"Used (\d+) registers",
    "smem": r"(\d+) bytes smem",
    "stack": r"(\d+) bytes stack frame",
    "spill_stores": r"(\d+) bytes spill stores",
    "spill_loads": r"(\d+) bytes spill loads",
}


def _ptxas():
    found = shutil.which("ptxas")
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or "/usr/local/cuda"
    candidate = Path(home) / "bin" / "ptxas"
    return found or (str(candidate) if candidate.exists() else None)


def assemble(ptx: str):
    """The machine code's resources by ptxas for sm_90 (registers, shared memory, stack, spills), as
    the driver would assemble the PTX when the kernel is loaded: where ptxas refuses it (too much
    shared memory, registers over the launch bounds), the kernel would fail on the GPU. None when
    there is no ptxas here."""
    ptxas = _ptxas()
    if ptxas is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "kernel.ptx"
        source.write_text(ptx)
        done = subprocess.run([ptxas, f"-arch=sm_{CC[0]}{CC[1]}", "-v", "-o", os.devnull, str(source)],
                              capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"ptxas refused the PTX: {done.stderr.strip()[-1500:]}")
    report = done.stderr
    numbers = {}
    for name, pattern in REPORT.items():
        found = re.search(pattern, report)
        numbers[name] = int(found.group(1)) if found else 0
    return numbers


def tasks(signatures_path: Path, mode: str):
    """What to compile: each recorded kernel signature, and every GEMM variant with each GEMM
    signature recorded (for ``ptx``, one is enough to check the typing: they differ in layout)."""
    entries = json.loads(signatures_path.read_text())
    gemm_signatures = {False: [], True: []}  # by conv: plain products, and conv_gemm's
    for entry in entries:
        stem = (entry["generated"] or "").rsplit("_", 1)[0]  # the file's name less its content hash
        found = gemm_signatures[stem.endswith("_conv")]
        if stem.startswith("gemm_") and entry["args"] not in found:
            found.append(entry["args"])
    for conv, found in gemm_signatures.items():
        if not found:
            what = "conv_gemm" if conv else "GEMM"
            raise SystemExit(f"{signatures_path} records no {what} launch: record the whole tests/cuda")
        if mode == "ptx":
            del found[1:]
    found = []
    for entry in entries:
        if entry["generated"] is None:
            label = f"{entry['module'].rsplit('.', 1)[-1]}.{entry['name']}"
            found.append({"kind": "kernel", "label": label, **entry})
    for variant in gemm_variants():
        tile, trans_a, trans_b, split, vector, conv = variant
        transposes = ("t" if trans_a else "n") + ("t" if trans_b else "n")
        label = f"{'conv_gemm' if conv else 'gemm'} {tile[0]}x{tile[1]} {transposes}"
        label += (" split" if split else "") + (" vector" if vector else "")
        signatures = gemm_signatures[conv]
        for number, args in enumerate(signatures):
            suffix = f" #{number + 1}" if len(signatures) > 1 else ""
            found.append({"kind": "gemm", "variant": variant, "args": args, "label": label + suffix})
    return found


def print_resources(resources: dict) -> None:
    """A line per kernel, spills flagged: what the compiler's report says about each on sm_90."""
    print(f"\n{'kernel (sm_90, ptxas -v)':44s} {'regs':>5s} {'smem B':>7s} {'stack B':>7s} spills")
    for label in sorted(resources):
        used = resources[label]
        spills = used["spill_stores"] + used["spill_loads"]
        flag = f"{used['spill_stores']} B stored, {used['spill_loads']} B loaded" if spills else "-"
        print(f"{label:44s} {used['registers']:5d} {used['smem']:7d} {used['stack']:7d} {flag}")
    spilling = sum(1 for used in resources.values() if used["spill_stores"] + used["spill_loads"])
    print(f"{len(resources)} kernels assembled; {spilling} spill registers to local memory")


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in ("ptx", "cache"):
        print(__doc__)
        return 2
    mode, path = sys.argv[1], Path(sys.argv[2])
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else max(1, (os.cpu_count() or 2) - 1)
    todo = tasks(path, mode)
    print(f"{mode}: {len(todo)} kernel signatures on {jobs} processes", flush=True)
    started = time.perf_counter()
    failures, times, resources = [], [], {}
    # spawn: each worker starts its own Numba (and, for cache, its own CUDA context)
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(compile_one, mode, task): task for task in todo}
        for future in as_completed(futures):
            seconds, error, used = future.result()
            label = futures[future]["label"]
            if error:
                failures.append((label, error))
                print(f"FAILED {label}: {error}", flush=True)
            else:
                times.append((seconds, label))
                if used is not None:
                    resources.setdefault(label, used)  # one signature of each kernel is enough
    wall = time.perf_counter() - started
    if resources:
        print_resources(resources)
    times.sort(reverse=True)
    slowest = ", ".join(f"{label} {seconds:.1f} s" for seconds, label in times[:3])
    print(f"{mode}: {len(times)} compiled, {len(failures)} failed, {wall:.0f} s on {jobs} processes "
          f"({sum(s for s, _ in times):.0f} s of compiling; slowest: {slowest})")  # fmt: skip
    for label, error in failures:
        print(f"  failed: {label}: {error.splitlines()[0][:200]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
