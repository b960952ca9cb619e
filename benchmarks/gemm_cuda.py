"""Our CUDA SGEMM against torch.matmul (float32, TF32 off) on the GEMMs of cifar10_quick at batch 100.

    PYTHONPATH=. python benchmarks/gemm_cuda.py        (or after ``pip install -e .``)

Each shape is first checked against torch, then timed two ways, each the median over 20 repeats of
10 calls:
- eager: 10 calls from Python, then a synchronize (host launch cost included; for small products it is
  all launch cost: Numba-CUDA spends ~50 µs of host time per launch);
- graph: the 10 calls recorded once as a CUDA graph (pyrpudl's capture, torch.cuda.CUDAGraph), then
  replayed: the device time that a training step, which is replayed as a graph, pays.
A 1x1x1 product gives our launch overhead. The table at the end has µs per call and GFLOP/s, and our
plan for each shape (tile BMxBN, K slices). Takes well under 2 minutes on an H100 (most of it Numba
compiling the kernels, 2-5 s each).
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyrpudl  # noqa: E402, F401  (first: kernels without a stream go to the per-thread default stream)

try:  # noqa: E402
    from pyrpudl.kernels.cuda import gemm as ours
except ImportError:  # a checkout that is neither installed nor linked: kernels/ at the top level
    from kernels.cuda import gemm as ours

import numpy as np  # noqa: E402
import torch  # noqa: E402
from numba import cuda  # noqa: E402

from pyrpudl.backend import get_backend  # noqa: E402

SHAPES = [  # (name, M, N, K, trans_a, trans_b)
    ("conv1 forward", 32, 102400, 75, False, False),
    ("conv2 forward", 32, 25600, 800, False, False),
    ("conv3 forward", 64, 6400, 800, False, False),
    ("conv2 weight grad", 32, 800, 25600, False, True),
    ("conv3 weight grad", 64, 800, 6400, False, True),
    ("conv2 input grad", 800, 25600, 32, True, False),
    ("conv3 input grad", 800, 6400, 64, True, False),
    ("ip1 forward", 100, 64, 1024, False, True),
    ("ip1 input grad", 100, 1024, 64, False, False),
    ("ip1 weight grad", 64, 1024, 100, True, False),
    ("ip2 forward", 100, 10, 64, False, True),
    ("ip2 weight grad", 10, 64, 100, True, False),
    ("square 4096", 4096, 4096, 4096, False, False),
    ("launch (1x1x1)", 1, 1, 1, False, False),
]
REPEATS, CALLS = 20, 10


def median_us(run, sync, calls=CALLS) -> float:
    """Median over REPEATS of ``run()`` then ``sync()``, per call, in µs; ``run`` makes ``calls`` calls."""
    run()
    sync()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        sync()
        times.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(times)


def ours_graph_us(backend, call) -> float:
    graph = backend.capture(lambda: [call() for _ in range(CALLS)])
    if graph is None:
        print(f"  (our graph capture failed: {backend.capture_error})")
        return float("nan")
    return median_us(lambda: backend.replay(graph), cuda.synchronize)


def torch_graph_us(x, y, out) -> float:
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):  # warm-up off the default stream, as torch asks before capture
        torch.matmul(x, y, out=out)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(CALLS):
            torch.matmul(x, y, out=out)
    return median_us(graph.replay, torch.cuda.synchronize)


def gflops(flops, us) -> float:
    return flops / us / 1e3 if us == us and us > 0 else float("nan")


def main() -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    backend = get_backend("cuda")
    device = cuda.get_current_device()
    print(f"{device.name} ({device.MULTIPROCESSOR_COUNT} SMs), torch {torch.__version__}", flush=True)
    rows = []
    for name, m, n, k, trans_a, trans_b in SHAPES:
        started = time.perf_counter()
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
        da, db, dc = cuda.to_device(a), cuda.to_device(b), cuda.device_array((m, n), np.float32)
        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        op_a, op_b = (ta.T if trans_a else ta), (tb.T if trans_b else tb)
        tc = torch.empty((m, n), dtype=torch.float32, device="cuda")

        def call(dc=dc, da=da, db=db, trans_a=trans_a, trans_b=trans_b):
            ours.gemm(dc, da, db, trans_a, trans_b, 1.0, 0.0)

        call()  # compiles on first use
        want = (op_a @ op_b).cpu().numpy().astype(np.float64)
        error = np.linalg.norm(dc.copy_to_host() - want) / max(np.linalg.norm(want), 1e-30)

        def our_calls(call=call):
            for _ in range(CALLS):
                call()

        def torch_calls(x=op_a, y=op_b, out=tc):
            for _ in range(CALLS):
                torch.matmul(x, y, out=out)

        eager = median_us(our_calls, cuda.synchronize)
        torch_eager = median_us(torch_calls, torch.cuda.synchronize)
        graph = ours_graph_us(backend, call)
        ours.VECTOR = True  # the experimental layout (kernels/cuda/gemm.py), same shape
        call()
        vector_error = np.linalg.norm(dc.copy_to_host() - want) / max(np.linalg.norm(want), 1e-30)
        vector = ours_graph_us(backend, call) if vector_error < 1e-4 else float("nan")
        ours.VECTOR = False
        torch_graph = torch_graph_us(op_a, op_b, tc)
        tile, slices, _ = ours.plan(m, n, k)
        flops = 2 * m * n * k
        plan = f"{tile[0]}x{tile[1]}/{slices}"
        rows.append((name, m, n, k, plan, error, eager, torch_eager, graph, vector, torch_graph, flops))
        print(
            f"{name}: rel err {error:.1e}; eager {eager:.1f} vs torch {torch_eager:.1f} µs; "
            f"graph {graph:.1f} (vector layout {vector:.1f}, rel err {vector_error:.1e}) vs torch "
            f"{torch_graph:.1f} µs ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        del da, db, dc, ta, tb, tc
    print()
    print(
        f"{'gemm':18s} {'M':>5s} {'N':>6s} {'K':>5s} {'plan':>10s} {'rel err':>8s} | {'eager µs':>9s} "
        f"{'torch':>7s} | {'graph µs':>9s} {'vector':>7s} {'torch':>7s} | {'GF/s':>6s} {'vector':>6s} "
        f"{'torch':>6s} {'ratio':>6s}"
    )
    for name, m, n, k, plan, error, eager, torch_eager, graph, vector, torch_graph, flops in rows:
        print(
            f"{name:18s} {m:5d} {n:6d} {k:5d} {plan:>10s} {error:8.1e} | {eager:9.1f} {torch_eager:7.1f} | "
            f"{graph:9.1f} {vector:7.1f} {torch_graph:7.1f} | {gflops(flops, graph):6.0f} "
            f"{gflops(flops, vector):6.0f} {gflops(flops, torch_graph):6.0f} {graph / torch_graph:6.2f}"
        )
    print("GF/s and ratio (ours / torch time) from the graph replays; plan: tile / K slices;")
    print("vector: the same with PYRPUDL_GEMM_LAYOUT=vector's kernels (NaN when they were wrong)")


if __name__ == "__main__":
    main()
