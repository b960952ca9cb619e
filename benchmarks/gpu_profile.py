"""Where a training step's GPU time goes: each op of one step of cifar10_quick (batch 100) and of
LeNet (batch 64) timed on the GPU with events, median over repeats, beside the step's time as a
CUDA-graph replay (how training runs).

    python3 benchmarks/gpu_profile.py [repeats]          (benchmarks/gpu.sh profile; needs a GPU)

The ops are launched one by one behind a kernel that holds the GPU for a while, so that all of a
step's launches are queued before the GPU reaches them: the events then time the kernels, not
Python's launch cost (~55 us a launch on the H100, 2026-11-22). A row is one op as called by one
layer method (``conv2.backward.gemm``: the weight gradient), with its calls per step, median
microseconds per step, share of the step, and its rate: GFLOP/s for GEMMs, and for every op the
GB/s of its array arguments' bytes (each counted once: a floor on what it moves). The sum of the
rows against the replay's time is what the gaps between kernels cost. Writes
``$OUT/gpu_profile.json`` when $OUT is set.
"""

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpu_data import random_source  # noqa: E402 (beside this script)

from pyrpudl.backend import get_backend  # noqa: E402
from pyrpudl.backend.backend import OPS  # noqa: E402
from pyrpudl.model import create_model  # noqa: E402
from pyrpudl.net import parse_solver  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.trainer import _Run, train  # noqa: E402

CAFFE = ROOT / "tests" / "net" / "caffe"
HOLD_US = 20_000  # longer than queueing a step's ~50 launches and their events takes


def _hold_kernel():
    from numba import config, cuda

    if config.ENABLE_CUDASIM:  # the simulator runs each launch to its end: nothing to hold
        return lambda microseconds: None

    @cuda.jit
    def hold(microseconds):
        if cuda.grid(1) == 0:
            for _ in range(microseconds):
                cuda.nanosleep(1000)

    return lambda microseconds: hold[1, 1](microseconds)


PASS_HELPERS = ("_column_product",)  # layer methods that run an op for forward and backward alike


def _label(frame, name: str, args) -> tuple[str, float]:
    """``layer.method.op`` (``step.op`` for the trainer's own ops), and a GEMM's floating-point work."""
    if frame.f_code.co_name in PASS_HELPERS:  # named by the pass that called the helper
        frame = frame.f_back
    owner = frame.f_locals.get("self")
    who = getattr(owner, "name", None) or "step"
    label = f"{who}.{frame.f_code.co_name}.{name}"
    flops = 0.0
    if name in ("gemm", "conv_gemm"):
        c, a = args[:2]
        trans_a = args[3] if name == "gemm" else False
        m, n = c.shape
        k = a.shape[0] if trans_a else a.shape[1]
        label += f" {m}x{n}x{k}"
        flops = 2.0 * m * n * k
    return label, flops


class OpEvents:
    """While active, every op of ``backend`` records a GPU event before it runs, with its label."""

    def __init__(self, backend):
        from numba import cuda

        self.cuda, self.ops = cuda, backend.ops
        self.calls: list = []  # (label, flops, bytes, event before the op)

    def __enter__(self):
        for names in OPS.values():
            for name in names:
                setattr(self.ops, name, self._timed(name, getattr(self.ops, name)))
        return self

    def __exit__(self, *exc):
        for names in OPS.values():
            for name in names:
                delattr(self.ops, name)  # the plain ops again (made anew on next use)

    def _timed(self, name, op):
        def timed(*args):
            label, flops = _label(sys._getframe(1), name, args)
            moved = sum(getattr(a, "nbytes", 0) for a in args if getattr(a, "ndim", 0) > 0)
            event = self.cuda.event()  # timing on by default
            event.record()
            self.calls.append((label, flops, moved, event))
            op(*args)

        return timed

    def durations(self) -> list:
        """(label, flops, bytes, microseconds) of each call, once the GPU has finished them."""
        end = self.cuda.event()  # timing on by default
        end.record()
        end.synchronize()
        events = [call[3] for call in self.calls] + [end]
        return [
            (label, flops, moved, 1000.0 * events[i].elapsed_time(events[i + 1]))
            for i, (label, flops, moved, _) in enumerate(self.calls)
        ]


def _prepared_run(model, backend, batch, solver, steps):
    """A trainer run with a chunk of ``steps`` iterations loaded (its steps are then called one by
    one, outside the trainer's loop)."""
    run = _Run(model, backend, batch, solver, capacity=steps)
    run.load_chunk(steps)
    return run


def profile_step(model, batch, solver, repeats) -> list:
    """Rows (label, calls per step, median us per step, flops, bytes), slowest first, of one
    training step on CUDA, and the launches a step makes."""
    backend = get_backend("cuda")
    run = _prepared_run(model, backend, batch, solver, repeats + 1)
    run._step()  # compiles and allocates
    hold = _hold_kernel()
    per_repeat = []
    for _ in range(repeats):
        backend.synchronize()
        hold(HOLD_US)
        with OpEvents(backend) as events:
            run._step()
            per_repeat.append(events.durations())
    table = defaultdict(lambda: [0, [], 0.0, 0])
    for label, flops, moved, _ in per_repeat[0]:
        row = table[label]
        row[0] += 1
        row[2] += flops
        row[3] += moved
    for durations in per_repeat:
        totals = defaultdict(float)
        for label, _, _, us in durations:
            totals[label] += us
        for label, us in totals.items():
            table[label][1].append(us)
    rows = [
        (label, calls, float(np.median(times)), flops, moved)
        for label, (calls, times, flops, moved) in table.items()
    ]
    return sorted(rows, key=lambda row: -row[2])


def replay_microseconds(model, batch, solver, iterations) -> float:
    """Microseconds per training iteration as it runs (a CUDA-graph replay per step)."""
    backend = get_backend("cuda")
    train(model, batch, 20, solver, report=False, display=10, device=backend)  # warm, capture
    backend.synchronize()
    started = time.perf_counter()
    train(model, batch, iterations, solver, report=False, display=iterations, device=backend)
    backend.synchronize()
    return (time.perf_counter() - started) / iterations * 1e6


def print_table(name, rows, replay_us) -> None:
    busy = sum(row[2] for row in rows)
    print(f"\n{name}: {sum(row[1] for row in rows)} ops a step; their GPU time {busy:.1f} us a step "
          f"(sum of medians); as a graph replay {replay_us:.1f} us an iteration")  # fmt: skip
    print(f"{'op (layer.method.op)':52s} {'calls':>5s} {'us':>8s} {'share':>6s} {'GFLOP/s':>8s} {'GB/s':>7s}")
    for label, calls, us, flops, moved in rows:
        rate = f"{flops / us / 1e3:8.0f}" if flops else f"{'':8s}"
        bandwidth = moved / us / 1e3 if us > 0 else 0.0
        print(f"{label:52s} {calls:5d} {us:8.1f} {us / busy:6.1%} {rate} {bandwidth:7.0f}")


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    quick = random_source((3, 32, 32))
    quick_solver = pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    lenet = random_source((1, 28, 28), 60000, 10000)
    lenet.mean = None
    nets = [
        ("cifar10_quick, batch 100", "cifar10_quick_train_test.prototxt", quick, quick_solver, 100),
        (
            "LeNet, batch 64",
            "lenet_train_test.prototxt",
            lenet,
            parse_solver(CAFFE / "lenet_solver.prototxt"),
            64,
        ),
    ]
    # cifar10_quick again with its column matrices gathered through tables, never written
    nets.append(("cifar10_quick, batch 100, gathered columns", *nets[0][1:]))
    report = {}
    for name, prototxt, source, solver, batch in nets:
        os.environ["PYRPUDL_CONV_COLUMNS"] = "implicit" if "gathered" in name else "explicit"
        model = create_model(CAFFE / prototxt, source, seed=0)
        rows = profile_step(model, batch, solver, repeats)
        replay = replay_microseconds(model, batch, solver, 500)
        print_table(name, rows, replay)
        report[name] = {"replay_us": replay, "rows": rows}
    os.environ["PYRPUDL_CONV_COLUMNS"] = "explicit"
    if os.environ.get("OUT"):
        with open(Path(os.environ["OUT"]) / "gpu_profile.json", "w") as out:
            json.dump(report, out, indent=1)


if __name__ == "__main__":
    main()
