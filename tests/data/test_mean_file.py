import numpy as np
import pytest

from pyrpudl.data.mean_file import read_mean, training_mean, write_mean
from pyrpudl.errors import InputError
from pyrpudl.proto import BlobProto


def test_the_mean_is_exact_per_pixel_over_chunks():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (1001, 3, 4, 5), dtype=np.uint8)
    expected = images.astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(training_mean(images, chunk=100), expected, rtol=1e-6)


def test_a_mean_file_round_trips_and_uses_caffes_legacy_dimensions(tmp_path):
    mean = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7
    write_mean(tmp_path / "m.binaryproto", mean)
    blob = BlobProto.FromString((tmp_path / "m.binaryproto").read_bytes())
    assert (blob.num, blob.channels, blob.height, blob.width) == (1, 2, 3, 4)
    np.testing.assert_array_equal(read_mean(tmp_path / "m.binaryproto"), mean)
    assert [p.name for p in tmp_path.iterdir()] == ["m.binaryproto"]  # no temporary file left


def test_a_caffe_mean_with_a_shape_field_reads_too(tmp_path):
    blob = BlobProto()
    blob.shape.dim.extend([1, 3, 2, 2])
    blob.data.extend(range(12))
    (tmp_path / "mean.binaryproto").write_bytes(blob.SerializeToString())
    assert read_mean(tmp_path / "mean.binaryproto").shape == (3, 2, 2)


def test_garbage_and_inconsistent_blobs_are_rejected(tmp_path):
    (tmp_path / "garbage").write_bytes(b"\xff\xff\xff")
    with pytest.raises(InputError, match="garbage: not a BlobProto"):
        read_mean(tmp_path / "garbage")
    blob = BlobProto(num=1, channels=3, height=2, width=2)
    blob.data.extend([1.0] * 5)
    (tmp_path / "short").write_bytes(blob.SerializeToString())
    with pytest.raises(InputError, match="dimensions \\[1, 3, 2, 2\\] and 5 values"):
        read_mean(tmp_path / "short")
