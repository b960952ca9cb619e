"""CIFAR-10's binary version: records of 1 label byte and 3072 pixel bytes (R, G, B planes of 32x32)."""

from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError

SHAPE = (3, 32, 32)
RECORD = 1 + 3 * 32 * 32
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
ARCHIVE_FOLDER = "cifar-10-batches-bin"
LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _records(path: Path) -> np.memmap:
    size = path.stat().st_size
    if size == 0 or size % RECORD:
        raise InputError(
            f"{path}: {size} bytes is not a whole number of CIFAR-10 records of {RECORD} bytes; "
            "the file is truncated or not a CIFAR-10 binary batch"
        )
    return np.memmap(path, dtype=np.uint8, mode="r", shape=(size // RECORD, RECORD))


def read_batches(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n, 3, 32, 32)`` and labels ``(n,)`` (uint8) of the batch files, read in order.

    Each file is memory-mapped and its pixels copied once, straight into the result.
    """
    records = [_records(path) for path in paths]
    total = sum(len(r) for r in records)
    images = np.empty((total, *SHAPE), dtype=np.uint8)
    labels = np.empty(total, dtype=np.uint8)
    start = 0
    for path, batch in zip(paths, records, strict=True):
        stop = start + len(batch)
        labels[start:stop] = batch[:, 0]
        images[start:stop].reshape(len(batch), -1)[:] = batch[:, 1:]
        if labels[start:stop].max() >= len(LABEL_NAMES):
            raise InputError(f"{path}: a label byte is above 9; this is not a CIFAR-10 batch")
        start = stop
    return images, labels


def find_files(data_dir: Path) -> tuple[list[Path], list[Path]] | None:
    """The training and test batch files in ``data_dir`` or its cifar-10-batches-bin/, if all are there."""
    for folder in (data_dir / ARCHIVE_FOLDER, data_dir):
        train = [folder / name for name in TRAIN_FILES]
        test = [folder / name for name in TEST_FILES]
        if all(p.is_file() for p in train + test):
            return train, test
    return None
