"""Speed: one 784 x 500 RBM, CD-1, batch 100, on Fashion-MNIST (Debian's copy, pixels / 255), against
scikit-learn's ``BernoulliRBM`` with the same sizes and a plain NumPy CD-1, in the same run.

    .venv-bench/bin/python benchmarks/rbm_vs_sklearn.py [epochs] [repeats]

Each contender trains ``epochs`` epochs (default 10) on all 60,000 images, ``repeats`` times (default
3); the median seconds and the ratios to scikit-learn are printed. scikit-learn runs in float64 (its
default for float64 input) and in float32; pyrpudl in double and single precision. Issue 6 aims for
at least 3x faster than scikit-learn.
"""

import statistics
import sys
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM

from pyrpudl import darch as dn
from pyrpudl.data import create_data_source


def numpy_cd1(x, epochs, rng):
    """CD-1 as darch does it, in plain NumPy (float32)."""
    w = (rng.standard_normal((784, 500)) * 0.1).astype(np.float32)
    vb, hb = np.zeros(784, np.float32), np.zeros(500, np.float32)
    w_inc = np.zeros_like(w)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    for epoch in range(epochs):
        m = 0.5 if epoch < 5 else 0.9
        for start in range(0, len(x), 100):
            v0 = x[start : start + 100]
            h0 = sig(v0 @ w + hb)
            v1 = sig((h0 > rng.random(h0.shape, np.float32)) @ w.T + vb)
            h1 = sig(v1 @ w + hb)
            w_inc = m * w_inc + 0.1 * ((v0.T @ h0 - v1.T @ h1) / 100 - 0.0002 * w)
            w += w_inc
            vb += 0.1 / 100 * (v0.sum(0) - v1.sum(0))
            hb += 0.1 / 100 * (h0.sum(0) - h1.sum(0))


def ours(x, epochs, precision):
    rbm = dn.new_rbm(784, 500, batch_size=100, dtype=np.float32 if precision == "single" else np.float64)
    dn.train_rbm(rbm, x, epochs, log=dn.DarchLog.make(False))


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    source = create_data_source("fashion-mnist", "/tmp/pyrpudl-bench/fashion")
    x64 = source.train_images.reshape(len(source.train_images), -1) / 255.0
    x32 = x64.astype(np.float32)

    def sklearn(x):
        return BernoulliRBM(500, learning_rate=0.1, batch_size=100, n_iter=epochs, random_state=0).fit(x)

    contenders = {
        "sklearn BernoulliRBM float64": lambda: sklearn(x64),
        "sklearn BernoulliRBM float32": lambda: sklearn(x32),
        "numpy CD-1 float32": lambda: numpy_cd1(x32, epochs, np.random.default_rng(0)),
        "pyrpudl double": lambda: ours(x64, epochs, "double"),
        "pyrpudl single": lambda: ours(x32, epochs, "single"),
    }
    ours(x32[:200], 1, "single")  # compile (cached) before timing
    ours(x64[:200], 1, "double")
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    reference = statistics.median(times["sklearn BernoulliRBM float64"])
    print(f"784 x 500 RBM, CD-1, batch 100, {epochs} epochs of 60,000 images, median of {repeats}:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:30s} {median:7.1f} s   {reference / median:5.2f}x sklearn float64")


if __name__ == "__main__":
    main()
