"""Data sources: a training and a test set of uint8 images with labels, from files on disk.

``create_data_source("cifar10" | "mnist" | "fashion-mnist", data_dir)`` reads the formats of seed
000. Pixels stay uint8 (memory-mapped where the format allows) until a model transforms them.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pyrpudl.data import cifar, idx
from pyrpudl.data.mean_file import read_mean, training_mean, write_mean
from pyrpudl.errors import InputError
from pyrpudl.progress import Report, make_reporter

FORMATS = ("cifar10", "mnist", "fashion-mnist")
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
FASHION_LABELS = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
)  # fmt: skip


@dataclass(eq=False)
class DataSource:
    """Training and test images ``(n, channels, height, width)`` uint8 with integer labels."""

    data_format: str
    data_dir: Path  # where the user pointed: mean files are written here
    files_dir: Path  # where the data files were found
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    label_names: tuple[str, ...] | None = None
    mean: np.ndarray | None = field(default=None, repr=False)
    mean_file: Path | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image."""
        return tuple(self.train_images.shape[1:])

    def find_training_mean(self, filename: str = "mean.binaryproto", report: Report | None = None) -> Path:
        """Compute the per-pixel training mean, save it in ``data_dir``, and remember it."""
        make_reporter(report)(f"computing the mean of {len(self.train_images)} training images")
        mean = training_mean(self.train_images)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / filename
        write_mean(path, mean)
        self.mean, self.mean_file = mean, path
        return path

    def load_mean(self, path: str | Path) -> np.ndarray:
        """Use the mean image in ``path`` (ours or Caffe's mean.binaryproto) for this source."""
        path = Path(path)
        if not path.is_absolute() and not path.exists():
            path = self.data_dir / path
        mean = read_mean(path)
        if mean.shape != self.shape:
            raise InputError(
                f"{path}: the mean image is {_dims(mean.shape)} but this data source's images are "
                f"{_dims(self.shape)}; compute a mean for this data with find_training_mean()"
            )
        self.mean, self.mean_file = mean, path
        return mean

    def testing_samples(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Test images ``[first, stop)`` (0-based) and their labels, as copies."""
        if not 0 <= first < stop <= len(self.test_images):
            raise InputError(f"samples {first}..{stop} are outside the {len(self.test_images)} test images")
        return np.array(self.test_images[first:stop]), np.array(self.test_labels[first:stop])

    def summary(self) -> str:
        mean = f"mean image from {self.mean_file}" if self.mean is not None else "no mean image yet"
        return (
            f"{self.data_format} data source in {self.files_dir}\n"
            f"  training: {len(self.train_images)} images, test: {len(self.test_images)} images, "
            f"each {_dims(self.shape)} (channels x height x width), uint8\n"
            f"  labels: {_label_summary(self)}\n  {mean}"
        )

    def __repr__(self) -> str:
        return f"<DataSource {self.summary()}>"


def _dims(shape) -> str:
    return " x ".join(map(str, shape))


def _label_summary(source: DataSource) -> str:
    classes = int(max(source.train_labels.max(initial=0), source.test_labels.max(initial=0))) + 1
    names = f" ({', '.join(source.label_names)})" if source.label_names else ""
    return f"{classes} classes, 0..{classes - 1}{names}"


def create_data_source(data_format: str, data_dir: str | Path | None = None) -> DataSource:
    """Open a data source of ``data_format`` ("cifar10", "mnist", "fashion-mnist") in ``data_dir``.

    Raises
    ------
    InputError
        For an unknown format, or data files that are missing or damaged; the message names the
        files expected and where to get them.
    """
    name = str(data_format).strip().lower()
    if name not in FORMATS:
        raise InputError(f"unknown data format {data_format!r}; choose one of {', '.join(FORMATS)}")
    if data_dir is None:
        if name != "fashion-mnist":
            raise InputError(f"data format {name!r} needs a data folder (data_dir)")
        data_dir = Path("data") / "fashion-mnist"
    data_dir = Path(data_dir).expanduser()
    if name == "cifar10":
        return _open_cifar10(data_dir)
    return _open_idx(name, data_dir)


def _open_cifar10(data_dir: Path) -> DataSource:
    found = cifar.find_files(data_dir)
    if found is None:
        expected = ", ".join(cifar.TRAIN_FILES + cifar.TEST_FILES)
        raise InputError(
            f"no CIFAR-10 binary files in {data_dir}: expected {expected} there or in "
            f"{data_dir / cifar.ARCHIVE_FOLDER}. Download {CIFAR10_URL} and extract it into {data_dir}."
        )
    train, test = found
    train_images, train_labels = cifar.read_batches(train)
    test_images, test_labels = cifar.read_batches(test)
    return DataSource(
        "cifar10", data_dir, train[0].parent, train_images, train_labels.astype(np.int32),
        test_images, test_labels.astype(np.int32), cifar.LABEL_NAMES,
    )  # fmt: skip


def _find_idx(folder: Path) -> dict[str, Path] | None:
    found = {}
    for key, stem in IDX_FILES.items():
        candidates = [folder / stem, folder / f"{stem}.gz"]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return None
        found[key] = path
    return found


def _open_idx(name: str, data_dir: Path) -> DataSource:
    folders = [data_dir]
    if name == "fashion-mnist":
        folders.append(DEBIAN_FASHION_MNIST)  # Debian's dataset-fashion-mnist package
    files = next((f for f in map(_find_idx, folders) if f is not None), None)
    if files is None:
        where = " or ".join(str(f) for f in folders)
        hint = " (or install Debian's dataset-fashion-mnist package)" if name == "fashion-mnist" else ""
        raise InputError(
            f"no {name} files in {where}: expected {', '.join(IDX_FILES.values())} (each may be gzipped, "
            f"ending in .gz). Put them in {data_dir}{hint}."
        )
    images = {k: idx.read_idx(files[k], idx.IMAGES_MAGIC) for k in ("train_images", "test_images")}
    labels = {k: idx.read_idx(files[k], idx.LABELS_MAGIC) for k in ("train_labels", "test_labels")}
    for part in ("train", "test"):
        n_images, n_labels = len(images[f"{part}_images"]), len(labels[f"{part}_labels"])
        if n_images != n_labels:
            raise InputError(
                f"{files[f'{part}_images']} holds {n_images} images but {files[f'{part}_labels']} holds "
                f"{n_labels} labels; the files do not belong together"
            )
    if images["train_images"].shape[1:] != images["test_images"].shape[1:]:
        raise InputError(f"the training and test images in {files['train_images'].parent} differ in size")
    return DataSource(
        name, data_dir, files["train_images"].parent,
        images["train_images"][:, None], labels["train_labels"].astype(np.int32),
        images["test_images"][:, None], labels["test_labels"].astype(np.int32),
        FASHION_LABELS if name == "fashion-mnist" else tuple(str(d) for d in range(10)),
    )  # fmt: skip
