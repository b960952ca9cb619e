"""Caffe's solver types against PyTorch's optimizers: LeNet on Fashion-MNIST from the same initial
weights, on the same batches in the same order, with the same settings.

    ./benchmarks/setup.sh            # once: .venv-bench with NumPy 2 and torch (CPU)
    .venv-bench/bin/python benchmarks/solvers_vs_pytorch.py [iterations] [threads]

For each of benchmarks/solvers/lenet_*.prototxt (and Caffe's lenet_solver.prototxt for SGD), both
engines train Caffe's LeNet (tests/net/caffe/lenet_train_test.prototxt) for ``iterations`` steps of
64 images, PyTorch with the optimizer whose update is Caffe's (RMSprop, Adadelta, Adam; SGD with
Nesterov momentum; for SGD, torch's momentum carries the gradient, Caffe's the step, which differ by
the rate's change under "inv", well below a percent here). Printed per type: each engine's mean
training cost over the last 200 iterations, test accuracy on all 10,000 test images, and time per
iteration with their ratio. PyTorch's Adam adds its epsilon after the bias correction, Caffe's
before: the same at epsilon 1e-8.
"""

import os
import sys
import time
from pathlib import Path

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch_nets import lenet_torch  # noqa: E402 (beside this script)

from pyrpudl.data import create_data_source  # noqa: E402
from pyrpudl.model import create_model, predict  # noqa: E402
from pyrpudl.net import parse_solver  # noqa: E402
from pyrpudl.solver.lr_policy import learning_rate  # noqa: E402
from pyrpudl.solver.solver_types import solver_type  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CAFFE = ROOT / "tests" / "net" / "caffe"
SOLVERS = [CAFFE / "lenet_solver.prototxt", *sorted((ROOT / "benchmarks" / "solvers").glob("lenet_*"))]
BATCH = 64


def torch_optimizer(kind, solver, groups):
    """PyTorch's optimizer whose update is Caffe's ``kind`` (the learning rate set per step)."""
    rate, momentum = solver.base_lr, solver.momentum
    if kind in ("SGD", "Nesterov"):
        return torch.optim.SGD(groups, lr=rate, momentum=momentum, nesterov=kind == "Nesterov")
    if kind == "AdaGrad":
        return torch.optim.Adagrad(groups, lr=solver.base_lr, eps=solver.delta)
    if kind == "RMSProp":
        return torch.optim.RMSprop(groups, lr=solver.base_lr, alpha=solver.rms_decay, eps=solver.delta)
    if kind == "AdaDelta":
        return torch.optim.Adadelta(groups, lr=solver.base_lr, rho=solver.momentum, eps=solver.delta)
    return torch.optim.Adam(groups, lr=rate, betas=(momentum, solver.momentum2), eps=solver.delta)


def torch_lenet(model):
    """LeNet in torch with the pyrpudl model's initial weights, and its parameter groups: the
    biases at twice the rate (LeNet's lr_mult 2), weight decay on all (decay_mult 1)."""
    net = lenet_torch()
    layers = [m for m in net if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    for module, name in zip(layers, ("conv1", "conv2", "ip1", "ip2"), strict=True):
        module.weight.data[...] = torch.from_numpy(model.layer_weights(name, 0).reshape(module.weight.shape))
        module.bias.data[...] = torch.from_numpy(model.layer_weights(name, 1).reshape(module.bias.shape))
    return net, [m.weight for m in layers], [m.bias for m in layers]


def run_torch(model, solver, kind, images, labels, test_x, test_y):
    net, weights, biases = torch_lenet(model)
    decay = solver.weight_decay
    groups = [{"params": weights, "weight_decay": decay, "mult": 1.0},
              {"params": biases, "weight_decay": decay, "mult": 2.0}]  # fmt: skip
    optimizer = torch_optimizer(kind, solver, groups)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = model.source.batch_indices(0, ITERATIONS * BATCH).reshape(ITERATIONS, BATCH)
    costs = []
    started = time.perf_counter()
    for it in range(ITERATIONS):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(solver, it) * group["mult"]
        x, y = images[order[it]], labels[order[it]]
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        costs.append(loss.item())
    seconds = time.perf_counter() - started
    with torch.no_grad():
        accuracy = float((net(test_x).argmax(1) == test_y).float().mean())
    return costs, accuracy, seconds


def run_ours(model, solver, test_pixels, test_labels):
    started = time.perf_counter()
    trained = train(model, batch=BATCH, iterations=ITERATIONS, solver=solver, report=False).model
    seconds = time.perf_counter() - started
    accuracy = float(np.mean(predict(trained, test_pixels) == test_labels))
    return trained.cost_log, accuracy, seconds


def main() -> None:
    torch.set_num_threads(THREADS)
    source = create_data_source("fashion-mnist", "/tmp/pyrpudl-bench/fashion")
    scale = np.float32(0.00390625)  # LeNet's transform: pixels / 256, no mean
    images = torch.from_numpy(source.train_images.astype(np.float32) * scale).reshape(-1, 1, 28, 28)
    labels = torch.from_numpy(source.train_labels.astype(np.int64))
    test_pixels = source.test_images.reshape(len(source.test_images), -1)
    test_x = torch.from_numpy(source.test_images.astype(np.float32) * scale).reshape(-1, 1, 28, 28)
    test_y = torch.from_numpy(source.test_labels.astype(np.int64))
    print(f"LeNet on Fashion-MNIST, {ITERATIONS} iterations of {BATCH}, {THREADS} threads")
    print("| solver | type | pyrpudl cost | PyTorch cost | pyrpudl accuracy | PyTorch accuracy | "
          "pyrpudl ms/it | PyTorch ms/it | time ratio |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    lenet = CAFFE / "lenet_train_test.prototxt"
    train(create_model(lenet, source, seed=0), BATCH, 2, report=False)  # compiles the kernels
    for path in SOLVERS:
        solver = parse_solver(path)
        kind = solver_type(solver)
        model = create_model(lenet, source, seed=0)
        ours = run_ours(model, solver, test_pixels, source.test_labels)
        peer = run_torch(model, solver, kind, images, labels, test_x, test_y)
        tail = min(200, ITERATIONS)
        print(f"| {path.name} | {kind} | {np.mean(ours[0][-tail:]):.4f} | {np.mean(peer[0][-tail:]):.4f} | "
              f"{ours[1]:.4f} | {peer[1]:.4f} | {1000 * ours[2] / ITERATIONS:.1f} | "
              f"{1000 * peer[2] / ITERATIONS:.1f} | {ours[2] / peer[2]:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
