"""Speed on a GPU: whole training runs of pyrpudl's CUDA backend against PyTorch eager, same GPU, same run.

    python benchmarks/convnet_gpu.py [quick_iterations] [lenet_iterations] [fashion_mnist_dir]

1. cifar10_quick (Caffe's prototxt) at batch 100 on CIFAR-shaped random data (50,000 uint8 images,
   mean-subtracted), Caffe's quick solver (lr 0.001, momentum 0.9, weight decay 0.004), 4000 iterations
   by default: seed 000's run; then again with each experiment on: the vector GEMM layout, the
   convolutions' column matrices gathered through tables instead of written (PYRPUDL_CONV_COLUMNS),
   both, and every op launched from Python (no CUDA graphs).
2. LeNet with Caffe's lenet solver (lr 0.01 "inv", momentum 0.9, weight decay 0.0005, scale 1/256)
   at batch 64 on Fashion-MNIST when its IDX files are given (random MNIST-shaped data otherwise),
   10,000 iterations by default, then test accuracy on the 10,000 test images.

Both engines keep the dataset on the GPU and slice batches there; each is timed from its first
iteration to its last, synchronised, after a warm-up run (which includes Numba's compilation and
cuDNN's autotuning). pyrpudl's launches per iteration are counted. Prints a table at the end.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpu_data import random_source  # noqa: E402 (beside this script)
from torch_nets import lenet_torch, quick_torch  # noqa: E402

from pyrpudl.backend import get_backend  # noqa: E402
from pyrpudl.data import create_data_source  # noqa: E402
from pyrpudl.model import create_model, predict  # noqa: E402
from pyrpudl.net import parse_solver  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402

CAFFE = ROOT / "tests" / "net" / "caffe"
QUICK_ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
LENET_ITERATIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
FASHION = Path(sys.argv[3]) if len(sys.argv) > 3 else None


def ours(prototxt, source, solver, batch, iterations, graphs=True):
    """Seconds for ``iterations`` on CUDA, launches per iteration, and the trained model. With
    ``graphs``, each step after the first is one CUDA-graph replay; without, every op is launched."""
    os.environ["PYRPUDL_CUDA_GRAPHS"] = "1" if graphs else "0"
    backend = get_backend("cuda")
    model = create_model(prototxt, source, seed=0)
    train(model, batch, 20, solver, report=False, display=10, device=backend)  # compile, upload
    backend.synchronize()
    launches = backend.launches
    started = time.perf_counter()
    outcome = train(model, batch, iterations, solver, report=False, display=100, device=backend)
    backend.synchronize()
    seconds = time.perf_counter() - started
    per_iteration = (backend.launches - launches) / iterations
    assert outcome.stopped is None, outcome.stopped
    return seconds, per_iteration, outcome.model


def theirs(make, source, batch, iterations, lr, momentum, decay, scale, policy=None):
    """Seconds for ``iterations`` of PyTorch eager (cuDNN) with the data on the GPU, and the module."""
    device = torch.device("cuda")
    images = torch.from_numpy(np.ascontiguousarray(source.train_images)).to(device)
    labels = torch.from_numpy(source.train_labels.astype(np.int64)).to(device)
    mean = torch.from_numpy(source.mean if source.mean is not None else np.zeros(source.shape, np.float32))
    mean = mean.to(device)
    n = len(images)

    def run(count):
        torch.manual_seed(0)
        module = make().to(device)
        optimizer = torch.optim.SGD(module.parameters(), lr=lr, momentum=momentum, weight_decay=decay)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, policy) if policy else None
        loss_fn = nn.CrossEntropyLoss()
        torch.cuda.synchronize()
        started = time.perf_counter()
        for i in range(count):
            start = (i * batch) % n
            index = torch.arange(start, start + batch, device=device) % n
            x = (images[index].float() - mean) * scale
            optimizer.zero_grad(set_to_none=True)
            loss_fn(module(x), labels[index]).backward()
            optimizer.step()
            if schedule:
                schedule.step()
        torch.cuda.synchronize()
        return time.perf_counter() - started, module

    run(50)  # warm-up: cuDNN picks its algorithms
    return run(iterations)


def test_accuracy_torch(module, source, scale) -> float:
    device = torch.device("cuda")
    mean = torch.from_numpy(source.mean if source.mean is not None else np.zeros(source.shape, np.float32))
    with torch.no_grad():
        x = (torch.from_numpy(source.test_images).to(device).float() - mean.to(device)) * scale
        guess = module(x).argmax(1).cpu().numpy()
    return float((guess == source.test_labels).mean())


def main() -> None:
    print(f"GPU: {torch.cuda.get_device_name()}; torch {torch.__version__}", flush=True)
    rows = []
    quick = random_source((3, 32, 32))
    solver = pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    quick_net = CAFFE / "cifar10_quick_train_test.prototxt"
    seconds, launches, _ = ours(quick_net, quick, solver, 100, QUICK_ITERATIONS)
    torch_seconds, _ = theirs(quick_torch, quick, 100, QUICK_ITERATIONS, 0.001, 0.9, 0.004, 1.0)
    rows.append(("cifar10_quick b100", QUICK_ITERATIONS, seconds, torch_seconds, launches, None, None))
    print(rows[-1], flush=True)
    # the same with the experimental GEMM layout (kernels/cuda/gemm.py: 16-byte shared-memory loads)
    from pyrpudl.kernels.cuda import gemm

    gemm.VECTOR = True
    vector_seconds, launches, _ = ours(quick_net, quick, solver, 100, QUICK_ITERATIONS)
    gemm.VECTOR = False
    rows.append(("  vector GEMMs", QUICK_ITERATIONS, vector_seconds, torch_seconds, launches, None, None))
    print(rows[-1], flush=True)
    # the same with the column matrices gathered, never written (pyrpudl/net/layers/implicit_columns.py)
    os.environ["PYRPUDL_CONV_COLUMNS"] = "implicit"
    implicit_seconds, launches, _ = ours(quick_net, quick, solver, 100, QUICK_ITERATIONS)
    gemm.VECTOR = True
    both_seconds, both_launches, _ = ours(quick_net, quick, solver, 100, QUICK_ITERATIONS)
    gemm.VECTOR = False
    os.environ["PYRPUDL_CONV_COLUMNS"] = "explicit"
    for name, seconds_taken, count in (("  gathered columns", implicit_seconds, launches),
                                       ("  gathered, vector", both_seconds, both_launches)):  # fmt: skip
        rows.append((name, QUICK_ITERATIONS, seconds_taken, torch_seconds, count, None, None))
    print(rows[-2:], flush=True)
    # the same without CUDA graphs: every op launched from Python (what graphs save)
    eager, ops, _ = ours(quick_net, quick, solver, 100, QUICK_ITERATIONS // 4, graphs=False)
    rows.append(("  ops launched", QUICK_ITERATIONS // 4, eager, torch_seconds / 4, ops, None, None))
    print(rows[-1], flush=True)

    if FASHION:
        fashion = create_data_source("mnist", FASHION, download=False)
    else:
        fashion = random_source((1, 28, 28), 60000, 10000)
        fashion.mean = None
    lenet_solver = parse_solver(CAFFE / "lenet_solver.prototxt")
    seconds, launches, model = ours(
        CAFFE / "lenet_train_test.prototxt", fashion, lenet_solver, 64, LENET_ITERATIONS
    )
    guesses = predict(model, fashion.test_images.reshape(len(fashion.test_images), -1), device="cuda")
    ours_accuracy = float((guesses == fashion.test_labels).mean())

    def inv(step):  # Caffe's "inv" policy as a multiplier of the base rate
        return (1 + lenet_solver.gamma * step) ** (-lenet_solver.power)

    torch_seconds, module = theirs(
        lenet_torch, fashion, 64, LENET_ITERATIONS, 0.01, 0.9, 0.0005, 0.00390625, inv
    )
    theirs_accuracy = test_accuracy_torch(module, fashion, 0.00390625)
    rows.append(
        ("LeNet b64", LENET_ITERATIONS, seconds, torch_seconds, launches, ours_accuracy, theirs_accuracy)
    )
    print(rows[-1], flush=True)

    print(
        "\nrun                 iters  pyrpudl s  torch s  ratio  ms/iter ours  launches/iter  "
        "test acc ours/torch"
    )
    for name, iterations, mine, peer, launches, acc, peer_acc in rows:
        accuracy = f"{acc:.4f} / {peer_acc:.4f}" if acc is not None else "-"
        print(f"{name:18s} {iterations:6d} {mine:10.2f} {peer:8.2f} {mine / peer:6.2f} "
              f"{mine / iterations * 1000:13.3f} {launches:14.1f}  {accuracy}")  # fmt: skip


if __name__ == "__main__":
    main()
