"""Our CUDA SGEMM against torch.matmul (float32, TF32 off) on the GEMMs of cifar10_quick at batch 100.

    python benchmarks/gemm_cuda.py

Each shape is checked against torch first, then timed: median over 20 repeats of 10 calls each,
synchronised. A 1x1x1 product gives the launch overhead. Prints a table at the end.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from numba import cuda

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyrpudl.kernels.cuda.gemm import gemm  # noqa: E402

SHAPES = [  # (name, M, N, K, trans_a, trans_b)
    ("conv1 forward", 32, 102400, 75, False, False),
    ("conv2 forward", 32, 25600, 800, False, False),
    ("conv3 forward", 64, 6400, 800, False, False),
    ("conv2 weight grad", 32, 800, 25600, False, True),
    ("conv3 weight grad", 64, 800, 6400, False, True),
    ("conv2 input grad", 800, 25600, 32, True, False),
    ("ip1 forward", 100, 64, 1024, False, True),
    ("square 4096", 4096, 4096, 4096, False, False),
    ("launch (1x1x1)", 1, 1, 1, False, False),
]


def median_us(call, sync) -> float:
    call()
    sync()
    times = []
    for _ in range(20):
        started = time.perf_counter()
        for _ in range(10):
            call()
        sync()
        times.append((time.perf_counter() - started) / 10 * 1e6)
    return statistics.median(times)


def main() -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    rows = []
    for name, m, n, k, trans_a, trans_b in SHAPES:
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
        da, db, dc = cuda.to_device(a), cuda.to_device(b), cuda.device_array((m, n), np.float32)
        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        op_a, op_b = (ta.T if trans_a else ta), (tb.T if trans_b else tb)
        gemm(dc, da, db, trans_a, trans_b, 1.0, 0.0)
        want = (op_a @ op_b).cpu().numpy()
        error = np.linalg.norm(dc.copy_to_host() - want) / max(np.linalg.norm(want), 1e-30)
        args = (dc, da, db, trans_a, trans_b, 1.0, 0.0)
        ours = median_us(lambda args=args: gemm(*args), cuda.synchronize)
        theirs = median_us(lambda x=op_a, y=op_b: x @ y, torch.cuda.synchronize)
        flops = 2 * m * n * k
        rows.append((name, m, n, k, error, ours, theirs, flops / ours / 1e3, flops / theirs / 1e3))
        print(rows[-1], flush=True)
    print(f"\n{'gemm':20s} {'M':>6s} {'N':>7s} {'K':>6s} {'rel err':>8s} {'ours us':>9s} {'torch us':>9s} "
          f"{'ours GF/s':>10s} {'torch GF/s':>10s}")  # fmt: skip
    for name, m, n, k, error, ours, theirs, ours_gf, theirs_gf in rows:
        print(f"{name:20s} {m:6d} {n:7d} {k:6d} {error:8.1e} {ours:9.1f} {theirs:9.1f} "
              f"{ours_gf:10.0f} {theirs_gf:10.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
