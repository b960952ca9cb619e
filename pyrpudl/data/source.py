"""Data sources: a training and a test set of uint8 images with labels, from files on disk.

``create_data_source("cifar10" | "mnist" | "fashion-mnist", data_dir)`` reads the formats of seed
000. Pixels stay uint8 (memory-mapped where the format allows) until a model transforms them.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pyrpudl.data import cifar, downloads, idx, lmdb_io
from pyrpudl.data.downloads import CIFAR10, MNIST, DownloadError, Remote
from pyrpudl.data.mean_file import read_mean, training_mean, write_mean
from pyrpudl.errors import InputError
from pyrpudl.progress import Report, make_reporter

FORMATS = ("cifar10", "mnist", "fashion-mnist", "lmdb")
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
    """Training and test images ``(n, channels, height, width)`` uint8 with integer labels; or,
    from Caffe's HDF5Data files, examples of real numbers (float32, any shape per row) with integer
    labels, or with an array per example in ``train_targets`` and ``test_targets`` (the labels
    are then zeros): real-valued targets (float32), or label maps (int32, a class per position)."""

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
    shuffle: bool = False  # Caffe reads in order; shuffling (per epoch, seeded) is our option
    seed: int = 0
    train_targets: np.ndarray | None = field(default=None, repr=False)
    test_targets: np.ndarray | None = field(default=None, repr=False)
    # HDF5Data's tops after the second (a recurrent net's sequence continuation indicators...):
    # top name -> rows beside the examples, float32, fed to the net as they are
    train_side: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    test_side: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        """(channels, height, width) of one image (one example's shape, for HDF5 data)."""
        return tuple(self.train_images.shape[1:])

    @property
    def target_shape(self) -> tuple[int, ...] | None:
        """One example's targets' (or label map's) shape; None when each example has one class."""
        return None if self.train_targets is None else tuple(self.train_targets.shape[1:])

    @property
    def side_shapes(self) -> tuple[tuple[int, ...], ...]:
        """One example's shape in each further top (HDF5Data's third, fourth...), in top order."""
        return tuple(tuple(rows.shape[1:]) for rows in self.train_side.values())

    @property
    def label_maps(self) -> bool:
        """Whether each example's labels are a map of classes (a segmentation's), not one class."""
        return self.train_targets is not None and self.train_targets.dtype == np.int32

    def find_training_mean(self, filename: str = "mean.binaryproto", report: Report | None = None) -> Path:
        """Compute the per-pixel training mean, save it in ``data_dir``, and remember it."""
        if len(self.shape) != 3:
            raise InputError(
                f"a mean image needs images (channels x height x width); these examples are "
                f"{dims(self.shape)}: centre and scale the values before making the data source"
            )
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
                f"{path}: the mean image is {dims(mean.shape)} but this data source's images are "
                f"{dims(self.shape)}; compute a mean for this data with find_training_mean()"
            )
        self.mean, self.mean_file = mean, path
        return mean

    def testing_samples(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Test images ``[first, stop)`` (0-based) and their labels, as copies."""
        if not 0 <= first < stop <= len(self.test_images):
            raise InputError(f"samples {first}..{stop} are outside the {len(self.test_images)} test images")
        return np.array(self.test_images[first:stop]), np.array(self.test_labels[first:stop])

    def pairs(self, seed: int = 0) -> "DataSource":
        """Siamese training data, made as Caffe's convert_mnist_siamese_data makes it: for each
        training (and each test) image, a pair of images drawn at random from that set, stacked as
        one image of twice the channels (first image, then second), labelled 1 when the two share
        a class and 0 otherwise (about one pair in ten is similar with ten balanced classes).
        ``seed`` draws the pairs; the mean and shuffling carry over (the mean as a pair of means).
        """
        rng = np.random.default_rng(seed)

        def draw(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            first, second = rng.integers(0, len(images), (2, len(images)))
            stacked = np.concatenate([images[first], images[second]], axis=1)
            return stacked, (labels[first] == labels[second]).astype(labels.dtype)

        if len(self.train_images) == 0:
            raise InputError("the data source has no training images to pair")
        train_images, train_labels = draw(self.train_images, self.train_labels)
        test_images, test_labels = draw(self.test_images, self.test_labels) if len(self.test_images) else (
            np.empty((0, 2 * self.shape[0], *self.shape[1:]), np.uint8), self.test_labels[:0])  # fmt: skip
        paired = DataSource(f"{self.data_format}-pairs", self.data_dir, self.files_dir, train_images,
                            train_labels, test_images, test_labels, ("dissimilar", "similar"),
                            shuffle=self.shuffle, seed=self.seed)  # fmt: skip
        if self.mean is not None:
            paired.mean = np.concatenate([self.mean, self.mean], axis=0)
        return paired

    def batch_indices(self, cursor: int, batch: int) -> np.ndarray:
        """Indices of the training batch that starts ``cursor`` examples into training.

        In order and wrapping around, as Caffe's data layer reads; with ``shuffle``, each epoch
        has its own permutation drawn from ``seed``, so a run resumed at a cursor sees the same
        examples as an uninterrupted one.
        """
        n = len(self.train_images)
        positions = np.arange(cursor, cursor + batch)
        epochs, within = np.divmod(positions, n)
        if not self.shuffle:
            return within
        out = np.empty(batch, dtype=np.int64)
        for epoch in np.unique(epochs):
            order = np.random.default_rng([self.seed, int(epoch)]).permutation(n)
            mask = epochs == epoch
            out[mask] = order[within[mask]]
        return out

    def export_lmdb(self, folder: str | Path, kind: str = "caffe") -> tuple[Path, Path]:
        """Write the training and test sets as LMDB databases in ``folder`` (as Caffe's convert tools)."""
        folder = Path(folder)
        prefix = self.data_format.replace("-", "_")
        train = folder / f"{prefix}_train_lmdb"
        test = folder / f"{prefix}_test_lmdb"
        for path in (train, test):
            if path.exists():
                raise InputError(f"{path} exists already; remove it or choose another folder")
        lmdb_io.write_lmdb(train, self.train_images, self.train_labels, kind)
        try:
            lmdb_io.write_lmdb(test, self.test_images, self.test_labels, kind)
        except BaseException:  # a failed export leaves no half of the pair behind
            shutil.rmtree(train, ignore_errors=True)
            raise
        return train, test

    def summary(self) -> str:
        mean = f"mean image from {self.mean_file}" if self.mean is not None else "no mean image yet"
        if self.train_images.dtype != np.uint8:  # HDF5 data: values as the files hold them
            mean = "values as the files hold them (HDF5Data transforms nothing)"
        return (
            f"{self.data_format} data source in {self.files_dir}\n"
            f"  training: {len(self.train_images)} {self.noun}, test: {len(self.test_images)} "
            f"{self.noun}, each {self._layout}\n"
            f"  {_label_summary(self)}\n"
            + "".join(
                f"  {name}: {dims(rows.shape[1:]) or 'one value'} per row, float32\n"
                for name, rows in self.train_side.items()
            )
            + f"  {mean}"
            + (f"; training order shuffled each epoch (seed {self.seed})" if self.shuffle else "")
        )

    @property
    def noun(self) -> str:
        """What the source holds, for messages: "images", or (HDF5 data) "examples"; "rows" when
        the files have further tops (a recurrent net's: a row is a timestep of several streams)."""
        if self.train_images.dtype == np.uint8:
            return "images"
        return "rows" if self.train_side else "examples"

    @property
    def _layout(self) -> str:
        if self.train_images.dtype == np.uint8:
            return f"{dims(self.shape)} (channels x height x width), uint8"
        return f"{dims(self.shape) or 'one value'}, {self.train_images.dtype}"

    def __repr__(self) -> str:
        return f"<DataSource {self.summary()}>"


def dims(shape) -> str:
    """``3 x 32 x 32``: a shape as messages write it."""
    return " x ".join(map(str, shape))


def _label_summary(source: DataSource) -> str:
    if source.label_maps:
        classes = int(max(source.train_targets.max(initial=0), source.test_targets.max(initial=0))) + 1
        each = f"{dims(source.target_shape)} per {source.noun[:-1]}"
        return f"label maps: {each}, {classes} classes, 0..{classes - 1}"
    if source.target_shape is not None:
        return f"targets: {dims(source.target_shape) or 'one value'} per {source.noun[:-1]}, float32"
    classes = int(max(source.train_labels.max(initial=0), source.test_labels.max(initial=0))) + 1
    names = f" ({', '.join(source.label_names)})" if source.label_names else ""
    return f"labels: {classes} classes, 0..{classes - 1}{names}"


def create_data_source(
    data_format: str,
    data_dir: str | Path | None = None,
    download: bool = True,
    remotes: tuple[Remote, ...] | None = None,
    report: Report | None = None,
    train_db: str | Path | None = None,
    test_db: str | Path | None = None,
    shape: tuple[int, int, int] | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> DataSource:
    """Open a data source of ``data_format`` ("cifar10", "mnist", "fashion-mnist") in ``data_dir``.

    When ``data_dir`` lacks the files of CIFAR-10 or MNIST and ``download`` is true, they are
    downloaded there first (checked against their known size and MD5). ``remotes`` replaces the
    official locations, for a local mirror: CIFAR-10 takes one archive, MNIST its four files.
    Fashion-MNIST is read from ``data_dir``, else from Debian's dataset-fashion-mnist package.
    "lmdb" reads two databases of Datum records: ``train_db`` and ``test_db``, or the folders of
    ``data_dir`` whose names contain "train" and "test"; ``shape`` (channels, height, width) is
    needed for rpudl's Datum records, which carry none. ``shuffle`` draws a new training order
    each epoch from ``seed``; by default examples are read in order, as Caffe does.

    Parameters
    ----------
    data_format
        "cifar10", "mnist", "fashion-mnist" or "lmdb".
    data_dir
        The data's folder (downloads go there).
    download
        Download missing CIFAR-10 or MNIST files.
    remotes
        Other download locations (a local mirror).
    report
        Receives progress lines (``print`` by default).
    train_db, test_db
        For "lmdb": the two databases.
    shape
        For rpudl's LMDB records: (channels, height, width).
    shuffle, seed
        A new training order each epoch, drawn from ``seed``.

    Returns
    -------
    DataSource
        Training and test images with their labels.

    Raises
    ------
    InputError
        For an unknown format, or data files that are missing or damaged; the message names the
        files expected and where to get them.
    DownloadError
        When a needed download fails; nothing half-written is left behind.
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
        source = _open_cifar10(data_dir, download, remotes or (CIFAR10,), report)
    elif name == "lmdb":
        source = _open_lmdb(data_dir, train_db, test_db, shape)
    else:
        if name == "mnist" and download and _find_idx(data_dir) is None:
            for remote in remotes or MNIST:
                downloads.download(remote, data_dir, report)
        source = _open_idx(name, data_dir)
    source.shuffle, source.seed = bool(shuffle), int(seed)
    return source


def _open_lmdb(data_dir: Path, train_db, test_db, shape) -> DataSource:
    if (train_db is None) != (test_db is None):
        raise InputError("give both train_db and test_db, or neither (to find them in data_dir)")
    if train_db is None:
        pair = lmdb_io.find_lmdb_pair(data_dir)
        if pair is None:
            raise InputError(
                f"{data_dir} should hold two LMDB folders, one named *train* and one *test* (such as "
                "cifar10_train_lmdb and cifar10_test_lmdb); or give train_db and test_db"
            )
        train_db, test_db = pair
    train_images, train_labels = lmdb_io.read_lmdb(train_db, shape)
    test_images, test_labels = lmdb_io.read_lmdb(test_db, shape)
    if train_images.shape[1:] != test_images.shape[1:]:
        raise InputError(
            f"the images of {train_db} are {dims(train_images.shape[1:])} but those of {test_db} are "
            f"{dims(test_images.shape[1:])}"
        )
    return DataSource(
        "lmdb", data_dir, Path(train_db).parent, train_images, train_labels, test_images, test_labels
    )


def _open_cifar10(data_dir: Path, allow_download: bool, remotes: tuple[Remote, ...], report) -> DataSource:
    found = cifar.find_files(data_dir)
    expected = ", ".join(cifar.TRAIN_FILES + cifar.TEST_FILES)
    if found is None and allow_download:
        archive = downloads.download(remotes[0], data_dir, report)
        downloads.extract_tar(archive, data_dir)
        archive.unlink()
        found = cifar.find_files(data_dir)
        if found is None:
            raise DownloadError(f"{remotes[0].urls[0]} was downloaded but holds none of {expected}")
    if found is None:
        raise InputError(
            f"no CIFAR-10 binary files in {data_dir}: expected {expected} there or in "
            f"{data_dir / cifar.ARCHIVE_FOLDER}. Download {CIFAR10.urls[0]} and extract it into {data_dir}."
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
