"""Accuracy: a segmentation trained on HDF5 label maps. Each Fashion-MNIST image's garment pixels
(value above 25) are labelled with its class + 1, the rest 0 (background): eleven classes per
pixel. The fully convolutional net `benchmarks/nets/fcn_fashion.prototxt` (three convolutions,
two poolings, a 1 x 1 score layer, a learned Deconvolution back to 28 x 28, a per-pixel
SoftmaxWithLoss) trains on the HDF5Data files this script writes.

    .venv/bin/python benchmarks/segmentation_fashion.py [iterations] [folder] [keep]

Adam (lr 0.001), batch 64, rows shuffled each epoch; all 60,000 training images, all 10,000 test
images (``folder``: the IDX files, default Debian's; "-" for Debian's). Reports the time, the TEST
net's pixel accuracy, the accuracy on garment pixels alone, and the mean intersection over union
of the eleven classes. With ``keep`` (a folder), the HDF5 files, the net and the trained model
(``fcn.npz``) stay there, for ``benchmarks/segmentation_picture.R``; else they are removed.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from pyrpudl.data import create_data_source
from pyrpudl.extract import extract_features
from pyrpudl.model import create_model
from pyrpudl.model_io import save_model
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.trainer import train

NET = Path(__file__).resolve().parent / "nets" / "fcn_fashion.prototxt"
FOREGROUND = 25  # pixel values above it belong to the garment


def label_maps(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.where(images[:, 0] > FOREGROUND, labels[:, None, None] + 1, 0).astype(np.float32)


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    data = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    source = create_data_source("fashion-mnist", data, download=False)
    keep = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    folder = keep or Path(tempfile.mkdtemp(prefix="segmentation-"))
    try:
        run(source, folder, iterations, keep is not None)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(source, folder: Path, iterations: int, keep: bool) -> None:
    for name, images, labels in (("train", source.train_images, source.train_labels),
                                 ("test", source.test_images, source.test_labels)):  # fmt: skip
        with h5py.File(folder / f"{name}.h5", "w") as file:
            file["data"] = (images / np.float32(255)).astype(np.float32)
            file["label"] = label_maps(images, labels)
        (folder / f"{name}.txt").write_text(f"{name}.h5\n")
    (folder / "net.prototxt").write_text(NET.read_text())
    model = create_model(folder / "net.prototxt", seed=0)
    solver = pb.SolverParameter(type="Adam", base_lr=0.001, momentum=0.9, lr_policy="fixed",
                                test_interval=iterations, test_iter=[100])  # fmt: skip
    started = time.perf_counter()
    trained = train(
        model, batch=64, iterations=iterations, solver=solver, display=max(iterations // 10, 1)
    ).model
    seconds = time.perf_counter() - started
    truth = model.source.test_targets
    found = np.concatenate([
        extract_features(trained, model.source.test_images[i : i + 500], "upscore").argmax(axis=1)
        for i in range(0, len(truth), 500)
    ])  # fmt: skip
    garment = truth > 0
    ious = [
        np.sum((found == c) & (truth == c)) / max(np.sum((found == c) | (truth == c)), 1) for c in range(11)
    ]
    print(f"{iterations} iterations in {seconds:.1f} s ({1000 * seconds / iterations:.1f} ms/iteration)")
    pixels, on_garments = np.mean(found == truth), np.mean(found[garment] == truth[garment])
    print(f"pixel accuracy {pixels:.4f} (the TEST net's: {trained.test_log[-1][2]:.4f}); on garment pixels "
          f"{on_garments:.4f}; mean IoU of the 11 classes {np.mean(ious):.4f}")  # fmt: skip
    if keep:
        print(f"saved {save_model(trained, folder / 'fcn.npz')} and its HDF5 files in {folder}")


if __name__ == "__main__":
    main()
