import numpy as np
import pytest

from pyrpudl.data import cifar, create_data_source
from pyrpudl.errors import InputError
from tests.data.files import write_cifar_set


@pytest.mark.parametrize("inside_archive_folder", [True, False])
def test_cifar10_reads_all_batches_in_order_from_either_layout(tmp_path, inside_archive_folder):
    folder = tmp_path / cifar.ARCHIVE_FOLDER if inside_archive_folder else tmp_path
    train, test = write_cifar_set(folder)
    source = create_data_source("cifar10", tmp_path)
    assert source.shape == (3, 32, 32)
    np.testing.assert_array_equal(source.train_labels, train[:, 0])
    np.testing.assert_array_equal(source.test_labels, test[:, 0])
    # R, G, B planes of 32 rows of 32 pixels, as the format defines them
    np.testing.assert_array_equal(source.train_images[3, 0, 0, :], train[3, 1:33])
    np.testing.assert_array_equal(source.train_images[3, 1, 2, 5], train[3, 1 + 1024 + 2 * 32 + 5])
    np.testing.assert_array_equal(source.test_images.reshape(len(test), -1), test[:, 1:])
    assert source.label_names[0] == "airplane"


def test_a_truncated_batch_is_named(tmp_path):
    write_cifar_set(tmp_path)
    path = tmp_path / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(InputError, match="data_batch_3.bin: .* not a whole number of CIFAR-10 records"):
        create_data_source("cifar10", tmp_path)


def test_a_label_above_nine_means_not_cifar10(tmp_path):
    write_cifar_set(tmp_path)
    path = tmp_path / "test_batch.bin"
    path.write_bytes(bytes([200]) + path.read_bytes()[1:])
    with pytest.raises(InputError, match="test_batch.bin: a label byte is above 9"):
        create_data_source("cifar10", tmp_path)


def test_missing_files_say_what_is_expected_and_where_to_get_it(tmp_path):
    with pytest.raises(InputError, match=r"expected data_batch_1.bin.*test_batch.bin.*Download https://"):
        create_data_source("cifar10", tmp_path, download=False)
