import gzip

import numpy as np
import pytest

from pyrpudl.data import idx
from pyrpudl.errors import InputError


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_images_round_trip_plain_and_gzipped(tmp_path, name):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    idx.write_idx(tmp_path / name, images)
    back = idx.read_idx(tmp_path / name, idx.IMAGES_MAGIC)
    np.testing.assert_array_equal(back, images)
    assert isinstance(back.base, np.memmap) or name.endswith(".gz")  # plain files are not read in


def test_the_header_is_big_endian_as_in_the_mnist_files(tmp_path):
    idx.write_idx(tmp_path / "labels", np.array([7, 1], dtype=np.uint8))
    assert (tmp_path / "labels").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 1])


def test_a_label_file_where_images_are_expected_names_both_magics(tmp_path):
    idx.write_idx(tmp_path / "labels", np.zeros(3, dtype=np.uint8))
    with pytest.raises(InputError, match="magic number 2049.*starts with 2051"):
        idx.read_idx(tmp_path / "labels", idx.IMAGES_MAGIC)


def test_a_truncated_file_is_reported_with_its_name_and_sizes(tmp_path):
    path = tmp_path / "images"
    idx.write_idx(path, np.zeros((4, 2, 2), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(
        InputError, match=r"images: the header promises 16 bytes .* holds 13; it is truncated"
    ):
        idx.read_idx(path, idx.IMAGES_MAGIC)


def test_a_damaged_gzip_stream_is_an_input_error(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 9]) + bytes(9))[:-12])
    with pytest.raises(InputError, match="labels.gz"):
        idx.read_idx(path, idx.LABELS_MAGIC)


def test_an_empty_file_is_too_short(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(InputError, match="too short for an IDX header"):
        idx.read_idx(tmp_path / "empty", idx.LABELS_MAGIC)


def test_a_header_without_data_is_truncated_not_a_crash(tmp_path):
    path = tmp_path / "labels"
    idx.write_idx(path, np.zeros(3, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:8])
    with pytest.raises(InputError, match="promises 3 bytes .* holds 0"):
        idx.read_idx(path, idx.LABELS_MAGIC)
