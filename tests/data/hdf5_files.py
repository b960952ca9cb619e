"""Small HDF5Data sets that the tests write themselves: four real-valued features per example,
a class that a linear rule decides, and two targets that are a linear map of the features."""

from pathlib import Path

import numpy as np

WEIGHTS = np.array([1.0, -2.0, 0.5, 1.0])  # the class: features @ WEIGHTS > 0
MAP = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0], [1.0, 1.0]])  # the targets: features @ MAP


def write_hdf5_set(path: Path, rows: int, seed: int) -> Path:
    import h5py

    features = np.random.default_rng(seed).standard_normal((rows, 4)).astype(np.float32)
    with h5py.File(path, "w") as file:
        file["data"] = features
        file["label"] = (features @ WEIGHTS > 0).astype(np.float32)  # Caffe's files hold floats
        file["target"] = (features @ MAP).astype(np.float32)
    return path


def write_hdf5_lists(folder: Path, train_parts: int = 2) -> tuple[Path, Path]:
    """train.txt listing ``train_parts`` files of 60 rows, test.txt one of 40 (names beside them)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [write_hdf5_set(folder / f"train{i}.h5", 60, seed=i).name for i in range(train_parts)]
    (folder / "train.txt").write_text("\n".join(names) + "\n")
    (folder / "test.txt").write_text(write_hdf5_set(folder / "test.h5", 40, seed=99).name + "\n")
    return folder / "train.txt", folder / "test.txt"


def hdf5_net(label: str = "label", loss: str = "SoftmaxWithLoss", outputs: int = 2, extra: str = "") -> str:
    """Caffe's hdf5_classification shape of net: HDF5Data in each phase, one InnerProduct, a loss."""
    accuracy = (
        f'layer {{ name: "accuracy" type: "Accuracy" bottom: "fc" bottom: "{label}" top: "accuracy" '
        "include { phase: TEST } }"
        if loss == "SoftmaxWithLoss"
        else ""
    )
    return f"""
name: "hdf5"
layer {{ name: "data" type: "HDF5Data" top: "data" top: "{label}" include {{ phase: TRAIN }}
        hdf5_data_param {{ source: "train.txt" batch_size: 10 {extra} }} }}
layer {{ name: "data" type: "HDF5Data" top: "data" top: "{label}" include {{ phase: TEST }}
        hdf5_data_param {{ source: "test.txt" batch_size: 10 }} }}
layer {{ name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        inner_product_param {{ num_output: {outputs} weight_filler {{ type: "gaussian" std: 0.01 }} }} }}
layer {{ name: "loss" type: "{loss}" bottom: "fc" bottom: "{label}" top: "loss" }}
{accuracy}
"""


SEGMENTATION = """
name: "segmentation"
layer { name: "data" type: "HDF5Data" top: "data" top: "label" include { phase: TRAIN }
        hdf5_data_param { source: "maps_train.txt" batch_size: BATCH } }
layer { name: "data" type: "HDF5Data" top: "data" top: "label" include { phase: TEST }
        hdf5_data_param { source: "maps_test.txt" batch_size: BATCH } }
layer { name: "score" type: "Convolution" bottom: "data" top: "score"
        convolution_param { num_output: 2 kernel_size: 1 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "score" bottom: "label" top: "accuracy"
        include { phase: TEST } }
"""


def write_label_maps(folder: Path, rows: int = 24, side: int = 6, batch: int = 4) -> Path:
    """A segmentation's files: one-channel images, and a label map per image (1 where the pixel
    is positive); the net above (a 1 x 1 convolution scoring two classes at each pixel)."""
    import h5py

    folder.mkdir(parents=True, exist_ok=True)
    for name, seed in (("train", 5), ("test", 6)):
        images = np.random.default_rng(seed).standard_normal((rows, 1, side, side)).astype(np.float32)
        with h5py.File(folder / f"maps_{name}.h5", "w") as file:
            file["data"] = images
            file["label"] = (images[:, 0] > 0).astype(np.float32)
        (folder / f"maps_{name}.txt").write_text(f"maps_{name}.h5\n")
    prototxt = folder / "segmentation.prototxt"
    prototxt.write_text(SEGMENTATION.replace("BATCH", str(batch)))
    return prototxt
