"""Data for the GPU benchmarks: CIFAR- or MNIST-shaped random images (no download on the lent
machines), uint8 like the real sets, with the training mean."""

from pathlib import Path

import numpy as np

from pyrpudl.data import DataSource


def random_source(shape, n_train=50000, n_test=10000) -> DataSource:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n_train + n_test, *shape), dtype=np.uint8)
    labels = rng.integers(0, 10, n_train + n_test).astype(np.int32)
    source = DataSource("random", Path("."), Path("."), images[:n_train], labels[:n_train],
                        images[n_train:], labels[n_train:])  # fmt: skip
    source.mean = images[:n_train].mean(axis=0).astype(np.float32)
    return source
