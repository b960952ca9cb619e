"""Accuracy: an LSTM that reads Fashion-MNIST images row by row
(`benchmarks/nets/lstm_rows_fashion.prototxt`), trained through Caffe's recurrent data layout:
HDF5Data files this script writes, each row one timestep of 100 images side by side (data
(28·groups, 100, 28), cont 0 at each image's first row, label -1 but at its last row), batch_size
28 (one image per stream per batch).

    .venv/bin/python benchmarks/sequence_fashion.py [iterations] [folder]

Adam (lr 0.001), 600 iterations an epoch; all 60,000 training images, all 10,000 test images
(``folder``: the IDX files, default Debian's; "-" for Debian's). Reports the time and the TEST
net's accuracy.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pyrpudl.data import create_data_source
from pyrpudl.data.hdf5_data import write_hdf5
from pyrpudl.model import create_model
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.trainer import train

NET = Path(__file__).resolve().parent / "nets" / "lstm_rows_fashion.prototxt"
STREAMS, ROWS = 100, 28


def as_sequences(images: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Groups of STREAMS images as ROWS timesteps each: x[g·28 + t, n] = row t of image g·100 + n."""
    groups = len(images) // STREAMS
    pixels = images[: groups * STREAMS, 0].astype(np.float32) / 255
    x = (
        pixels.reshape(groups, STREAMS, ROWS, ROWS)
        .transpose(0, 2, 1, 3)
        .reshape(groups * ROWS, STREAMS, ROWS)
    )
    cont = np.ones((groups, ROWS, STREAMS), np.float32)
    cont[:, 0] = 0
    label = np.full((groups, ROWS, STREAMS), -1, np.float32)
    label[:, -1] = labels[: groups * STREAMS].reshape(groups, STREAMS)
    return {"data": x, "label": label.reshape(-1, STREAMS), "cont": cont.reshape(-1, STREAMS)}


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    data = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    source = create_data_source("fashion-mnist", data, download=False)
    folder = Path(tempfile.mkdtemp(prefix="sequences-"))
    try:
        write_hdf5(folder / "train.h5", as_sequences(source.train_images, source.train_labels))
        write_hdf5(folder / "test.h5", as_sequences(source.test_images, source.test_labels))
        shutil.copy(NET, folder / NET.name)
        model = create_model(folder / NET.name, seed=0)
        solver = pb.SolverParameter(type="Adam", base_lr=0.001, momentum=0.9, momentum2=0.999,
                                    lr_policy="fixed", test_interval=iterations)  # fmt: skip
        started = time.perf_counter()
        trained = train(model, batch=ROWS, iterations=iterations, solver=solver, display=600).model
        seconds = time.perf_counter() - started
        accuracy = trained.test_log[-1][2]
        epochs, per_iteration = iterations * STREAMS / 60000, seconds / iterations * 1000
        print(f"{iterations} iterations ({epochs:.1f} epochs) in {seconds:.1f} s "
              f"({per_iteration:.1f} ms/iteration); test accuracy {accuracy:.4f}")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
