"""Caffe's HDF5 classification example (examples/02-brewing-logreg) on our engine, against
scikit-learn in the same run: the same data (``make_classification``, 10,000 examples of four
features, 7,500 to train), written to HDF5 files as the example writes them, read by HDF5Data
layers; its logistic regression and its nonlinear net (40 ReLUs) trained with its solver
(10,000 iterations of batch 10); scikit-learn's logistic regression (and the example's
SGDClassifier) fitted to the same rows.

    ./benchmarks/setup.sh && .venv-bench/bin/python benchmarks/hdf5_classification.py [iterations]

Prints each contender's test accuracy and time.
"""

import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split

from pyrpudl.model import create_model, predict
from pyrpudl.net import parse_solver
from pyrpudl.solver.trainer import train

HERE = Path(__file__).resolve().parent


def write_files(folder: Path):
    x, y = make_classification(n_samples=10000, n_features=4, n_redundant=0, n_informative=2,
                               n_clusters_per_class=2, hypercube=False, random_state=0)  # fmt: skip
    x, test_x, y, test_y = train_test_split(x, y, random_state=0)
    for name, (rows, labels) in {"train": (x, y), "test": (test_x, test_y)}.items():
        with h5py.File(folder / f"{name}.h5", "w") as file:
            file["data"], file["label"] = rows.astype(np.float32), labels.astype(np.float32)
        (folder / f"{name}.txt").write_text(f"{name}.h5\n")
    return x, test_x, y, test_y


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    folder = Path(tempfile.mkdtemp(prefix="hdf5-classification-"))
    x, test_x, y, test_y = write_files(folder)
    solver = parse_solver(HERE / "solvers" / "hdf5_classification_solver.prototxt")
    for name in ("hdf5_logreg", "hdf5_nonlinear"):
        net = folder / f"{name}.prototxt"
        net.write_text((HERE / "nets" / f"{name}.prototxt").read_text())
        started = time.perf_counter()
        model = create_model(net, seed=0)
        trained = train(model, batch=10, iterations=iterations, solver=solver, report=False, display=0,
                        test_interval=0).model  # fmt: skip
        seconds = time.perf_counter() - started
        accuracy = float(np.mean(predict(trained, test_x) == test_y))
        print(f"pyrpudl {name}: test accuracy {accuracy:.4f}, {seconds:.1f} s ({iterations} iterations)")
    for label, classifier in (
        ("scikit-learn LogisticRegression", LogisticRegression()),
        ("scikit-learn SGDClassifier (the example's)",
         SGDClassifier(loss="log_loss", max_iter=1000, penalty="l2", alpha=5e-4, class_weight="balanced",
                       random_state=0)),
    ):  # fmt: skip
        started = time.perf_counter()
        classifier.fit(x, y)
        seconds = time.perf_counter() - started
        print(f"{label}: test accuracy {classifier.score(test_x, test_y):.4f}, {seconds:.2f} s")


if __name__ == "__main__":
    main()
