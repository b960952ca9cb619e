"""Speed on a GPU: the row-by-row LSTM (`benchmarks/nets/lstm_rows_fashion.prototxt`: 128 units,
28 timesteps of 28 values, 100 streams, scores at every timestep, the loss at the last) trained by
pyrpudl's CUDA backend against PyTorch's `nn.LSTM` (cuDNN; torch_nets.RowReader), same GPU, same
run.

    python benchmarks/lstm_gpu.py [iterations] [device]

Both keep the data on the device (random Fashion-shaped sequences: 600 batches, one epoch of
60,000 images) and take SGD steps with momentum; each is timed from its first iteration to its
last, synchronised, after a warm-up (Numba's compilation, cuDNN's autotuning). pyrpudl's launches
per iteration are counted (each step after the first is one CUDA-graph replay). ``device`` "cpu"
runs the same comparison on the CPU (a check of this script where there is no GPU).
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from torch_nets import RowReader  # noqa: E402 (beside this script)

from pyrpudl.backend import get_backend  # noqa: E402
from pyrpudl.data import DataSource  # noqa: E402
from pyrpudl.model import create_model  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402

NET = ROOT / "benchmarks" / "nets" / "lstm_rows_fashion.prototxt"
ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
DEVICE = sys.argv[2] if len(sys.argv) > 2 else "cuda"
STEPS, STREAMS, INPUTS, HIDDEN, CLASSES, GROUPS = 28, 100, 28, 128, 10, 600


def sequences() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, labels, cont) in the HDF5 files' layout: a row per timestep of all streams."""
    rng = np.random.default_rng(0)
    x = rng.random((GROUPS * STEPS, STREAMS, INPUTS), dtype=np.float32)
    labels = np.full((GROUPS, STEPS, STREAMS), -1, np.int32)
    labels[:, -1] = rng.integers(0, CLASSES, (GROUPS, STREAMS))
    cont = np.ones((GROUPS, STEPS, STREAMS), np.float32)
    cont[:, 0] = 0
    return x, labels.reshape(-1, STREAMS), cont.reshape(-1, STREAMS)


def solver() -> pb.SolverParameter:
    return pb.SolverParameter(base_lr=0.01, momentum=0.9, weight_decay=0.0005, lr_policy="fixed")


def ours(x, labels, cont) -> tuple[float, float]:
    source = DataSource("hdf5", Path("."), Path("."), x, np.zeros(len(x), np.int32), x[:0],
                        np.zeros(0, np.int32), train_targets=labels, test_targets=labels[:0],
                        train_side={"cont": cont}, test_side={"cont": cont[:0]})  # fmt: skip
    backend = get_backend(DEVICE)
    model = create_model(NET, source, seed=0)
    model = train(model, STEPS, 20, solver(), report=False, display=10, device=backend).model  # compile
    backend.synchronize()
    launches = backend.launches
    started = time.perf_counter()
    outcome = train(model, STEPS, ITERATIONS, solver(), report=False, display=100, device=backend)
    backend.synchronize()
    assert outcome.stopped is None, outcome.stopped
    return time.perf_counter() - started, (backend.launches - launches) / ITERATIONS


def theirs(x, labels) -> float:
    device = torch.device(DEVICE)
    torch.manual_seed(0)
    module = RowReader(INPUTS, HIDDEN, CLASSES).to(device)
    data = torch.from_numpy(x).to(device)
    targets = torch.from_numpy(labels).long().to(device)
    learned = [p for p in module.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(learned, lr=0.01, momentum=0.9, weight_decay=0.0005)
    loss = nn.CrossEntropyLoss(ignore_index=-1)

    def run(iterations: int) -> None:
        for i in range(iterations):
            rows = slice((i % GROUPS) * STEPS, (i % GROUPS + 1) * STEPS)
            optimizer.zero_grad(set_to_none=True)
            loss(module(data[rows]).reshape(-1, CLASSES), targets[rows].reshape(-1)).backward()
            optimizer.step()

    run(20)
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    run(ITERATIONS)
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def main() -> None:
    x, labels, cont = sequences()
    seconds, launches = ours(x, labels, cont)
    peer = theirs(x, labels)
    name = torch.cuda.get_device_name() if DEVICE == "cuda" else "CPU"
    print(f"{name}, torch {torch.__version__}: LSTM {HIDDEN}, {STEPS} steps x {STREAMS} streams, "
          f"{ITERATIONS} iterations")  # fmt: skip
    each, peer_each = seconds / ITERATIONS * 1000, peer / ITERATIONS * 1000
    print(f"pyrpudl {seconds:.2f} s ({each:.2f} ms/it, {launches:.2f} launches/it) | "
          f"torch {peer:.2f} s ({peer_each:.2f} ms/it) | ratio {seconds / peer:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
