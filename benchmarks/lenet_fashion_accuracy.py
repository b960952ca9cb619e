"""Accuracy: Caffe's LeNet with Caffe's lenet solver on Fashion-MNIST (Debian's copy).

    .venv/bin/python benchmarks/lenet_fashion_accuracy.py [iterations] [solver.prototxt] [net.prototxt]

Trains tests/net/caffe/lenet_train_test.prototxt (Caffe's file, unchanged), or the net given
(benchmarks/nets/ has it with crop and mirror), with the settings of lenet_solver.prototxt (SGD,
lr 0.01 "inv", momentum 0.9, weight decay 0.0005, batch 64), or of the solver file given
(benchmarks/solvers/ has LeNet's with Caffe's other solver types), and reports the accuracy on all
10,000 test images. Issue 4 asks for >= 89.5% after 10,000 iterations (PyTorch with
the same net and settings reached 89.8% on the 2-core machine).
"""

import sys
import time
from pathlib import Path

import numpy as np

from pyrpudl.data import create_data_source
from pyrpudl.model import create_model, predict
from pyrpudl.net import parse_solver
from pyrpudl.solver.trainer import train

CAFFE = Path(__file__).resolve().parents[1] / "tests" / "net" / "caffe"


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    source = create_data_source("fashion-mnist", "/tmp/pyrpudl-bench/fashion")
    net_file = Path(sys.argv[3]) if len(sys.argv) > 3 else CAFFE / "lenet_train_test.prototxt"
    model = create_model(net_file, source, seed=0)
    solver_file = Path(sys.argv[2]) if len(sys.argv) > 2 else CAFFE / "lenet_solver.prototxt"
    solver = parse_solver(solver_file)
    started = time.perf_counter()
    outcome = train(model, batch=64, iterations=iterations, solver=solver, display=1000)
    seconds = time.perf_counter() - started
    predicted = predict(outcome.model, source.test_images.reshape(len(source.test_images), -1))
    accuracy = float(np.mean(predicted == source.test_labels))
    per_iteration = 1000 * seconds / iterations
    print(f"LeNet on Fashion-MNIST, {net_file.name}, {solver_file.name}: {iterations} iterations in "
          f"{seconds:.0f} s ({per_iteration:.1f} ms/iteration), test accuracy {accuracy:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
