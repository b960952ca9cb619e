"""Small data files in the real formats, written by the tests themselves."""

from pathlib import Path

import numpy as np

from pyrpudl.data import cifar, idx
from pyrpudl.data.source import IDX_FILES


def write_idx_set(folder: Path, n_train: int = 6, n_test: int = 4, gz: bool = False, seed: int = 0) -> dict:
    """The four MNIST-style IDX files of random 28x28 images; returns what was written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for key, array in arrays.items():
        idx.write_idx(folder / (IDX_FILES[key] + (".gz" if gz else "")), array)
    return arrays


def write_cifar_set(folder: Path, per_file: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 binary batches (5 training files, 1 test file); returns all records in file order."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = cifar.TRAIN_FILES + cifar.TEST_FILES
    records = rng.integers(0, 256, (len(names), per_file, cifar.RECORD), dtype=np.uint8)
    records[:, :, 0] %= 10
    for name, batch in zip(names, records, strict=True):
        (folder / name).write_bytes(batch.tobytes())
    return records[:5].reshape(-1, cifar.RECORD), records[5]
