import numpy as np
import pytest

from pyrpudl import r_api
from pyrpudl.data import create_data_source
from pyrpudl.data.source import DEBIAN_FASHION_MNIST, IDX_FILES
from pyrpudl.errors import InputError
from tests.data.files import write_idx_set


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_the_four_idx_files(tmp_path, gz):
    written = write_idx_set(tmp_path, gz=gz)
    source = create_data_source("mnist", tmp_path)
    assert source.shape == (1, 28, 28)
    np.testing.assert_array_equal(source.train_images[:, 0], written["train_images"])
    np.testing.assert_array_equal(source.test_labels, written["test_labels"])
    assert source.train_labels.dtype == np.int32


def test_image_and_label_counts_must_agree(tmp_path):
    write_idx_set(tmp_path)
    write_idx_set(tmp_path / "other", n_test=5)
    (tmp_path / "other" / IDX_FILES["test_labels"]).replace(tmp_path / IDX_FILES["test_labels"])
    with pytest.raises(InputError, match="holds 4 images but .*t10k-labels-idx1-ubyte holds 5 labels"):
        create_data_source("mnist", tmp_path)


def test_unknown_formats_and_missing_files_are_explained(tmp_path):
    with pytest.raises(InputError, match="unknown data format 'imagenet'; choose one of cifar10, mnist"):
        create_data_source("imagenet", tmp_path)
    with pytest.raises(InputError, match="no mnist files in .*train-images-idx3-ubyte"):
        create_data_source("mnist", tmp_path, download=False)


def test_the_mean_is_written_in_the_data_folder_and_remembered(tmp_path):
    write_idx_set(tmp_path / "files")
    source = create_data_source("mnist", tmp_path / "files")
    path = source.find_training_mean("digits.mean", report=lambda line: None)
    assert path == tmp_path / "files" / "digits.mean"
    np.testing.assert_allclose(source.mean, source.train_images.mean(axis=0), rtol=1e-6)
    assert "mean image from" in source.summary()
    assert source.load_mean("digits.mean").shape == (1, 28, 28)


def test_a_mean_of_another_shape_is_refused(tmp_path):
    write_idx_set(tmp_path)
    source = create_data_source("mnist", tmp_path)
    from pyrpudl.data.mean_file import write_mean

    write_mean(tmp_path / "cifar.mean", np.zeros((3, 32, 32), dtype=np.float32))
    with pytest.raises(InputError, match="mean image is 3 x 32 x 32 but .* are 1 x 28 x 28"):
        source.load_mean("cifar.mean")
    assert source.mean is None


def test_r_gets_test_samples_as_rows_by_an_r_range(tmp_path):
    written = write_idx_set(tmp_path)
    source = create_data_source("mnist", tmp_path)
    samples = r_api.testing_data_samples(source, np.array([2.0, 3.0]))
    np.testing.assert_array_equal(samples["x"], written["test_images"][1:3].reshape(2, -1))
    np.testing.assert_array_equal(samples["y"], written["test_labels"][1:3])
    failed = r_api.invoke("testing_data_samples", {"source": source, "range": np.array([3.0, 9.0])})
    assert failed["message"] == "range is c(3, 9), but there are only 4 items (1..4)"


@pytest.mark.skipif(
    not DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed"
)
def test_fashion_mnist_falls_back_to_debians_copy(tmp_path):
    source = create_data_source("fashion-mnist", tmp_path / "empty")
    assert source.files_dir == DEBIAN_FASHION_MNIST
    assert (len(source.train_images), len(source.test_images)) == (60000, 10000)
    assert np.bincount(source.test_labels).tolist() == [1000] * 10
    assert source.label_names[9] == "Ankle boot"


def test_training_batches_read_in_order_and_wrap_like_caffe(tmp_path):
    write_idx_set(tmp_path, n_train=6)
    source = create_data_source("mnist", tmp_path, download=False)
    assert source.batch_indices(0, 4).tolist() == [0, 1, 2, 3]
    assert source.batch_indices(4, 4).tolist() == [4, 5, 0, 1]


def test_shuffled_batches_are_a_new_permutation_each_epoch_and_reproducible(tmp_path):
    write_idx_set(tmp_path, n_train=6)
    source = create_data_source("mnist", tmp_path, download=False, shuffle=True, seed=3)
    first, second = source.batch_indices(0, 6), source.batch_indices(6, 6)
    assert sorted(first) == sorted(second) == list(range(6))
    assert first.tolist() != second.tolist()
    # resuming mid-epoch continues the same permutation
    assert source.batch_indices(4, 4).tolist() == first[4:].tolist() + second[:2].tolist()
    again = create_data_source("mnist", tmp_path, download=False, shuffle=True, seed=3)
    assert again.batch_indices(0, 6).tolist() == first.tolist()
    assert "shuffled each epoch (seed 3)" in source.summary()


def test_pairs_are_caffes_siamese_data(tmp_path):
    """Each set keeps its size; a pair is two of its images stacked, 1 when they share a class."""
    written = write_idx_set(tmp_path, n_train=30, n_test=12)
    source = create_data_source("mnist", tmp_path, download=False)
    source.find_training_mean()
    pairs = source.pairs(seed=4)
    assert pairs.train_images.shape == (30, 2, 28, 28) and pairs.test_images.shape == (12, 2, 28, 28)
    assert pairs.data_format == "mnist-pairs" and pairs.label_names == ("dissimilar", "similar")
    for images, labels, stacked, same in (
        (written["train_images"], written["train_labels"], pairs.train_images, pairs.train_labels),
        (written["test_images"], written["test_labels"], pairs.test_images, pairs.test_labels),
    ):
        rows = {image.tobytes(): i for i, image in enumerate(images)}
        first = np.array([rows[pair[0].tobytes()] for pair in stacked])
        second = np.array([rows[pair[1].tobytes()] for pair in stacked])
        np.testing.assert_array_equal(same, labels[first] == labels[second])
    assert 0 < pairs.train_labels.sum() < 30  # both kinds (10 classes: about one pair in ten is similar)
    np.testing.assert_array_equal(pairs.mean, np.concatenate([source.mean, source.mean]))
    np.testing.assert_array_equal(source.pairs(seed=4).train_images, pairs.train_images)
    assert not np.array_equal(source.pairs(seed=5).train_images, pairs.train_images)
