import lmdb
import numpy as np
import pytest

from pyrpudl.data import create_data_source
from pyrpudl.data.lmdb_io import read_lmdb, write_lmdb
from pyrpudl.errors import InputError
from pyrpudl.proto import Datum, RpudlDatum
from tests.data.files import write_cifar_set, write_idx_set


def images_and_labels(n=5, shape=(3, 4, 2), seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, 10, n)


@pytest.mark.parametrize("kind", ["caffe", "rpudl"])
def test_both_datum_kinds_round_trip_in_key_order(tmp_path, kind):
    images, labels = images_and_labels()
    write_lmdb(tmp_path / "db", images, labels, kind)
    back_images, back_labels = read_lmdb(tmp_path / "db", shape=(3, 4, 2) if kind == "rpudl" else None)
    np.testing.assert_array_equal(back_images, images)
    np.testing.assert_array_equal(back_labels, labels)


def test_records_are_wire_compatible_with_caffe_and_rpudl(tmp_path):
    images, labels = images_and_labels(n=1, shape=(1, 2, 2))
    for kind, first_byte in (("caffe", 0x08), ("rpudl", 0x0A)):
        write_lmdb(tmp_path / kind, images, labels, kind)
        with lmdb.open(str(tmp_path / kind), readonly=True, lock=False) as env, env.begin() as txn:
            ((key, value),) = list(txn.cursor())
        assert key == b"00000000" and value[0] == first_byte
    caffe = Datum.FromString(_value(tmp_path / "caffe"))
    assert (caffe.channels, caffe.height, caffe.width, caffe.label) == (1, 2, 2, labels[0])
    assert RpudlDatum.FromString(_value(tmp_path / "rpudl")).data == images.tobytes()


def _value(path):
    with lmdb.open(str(path), readonly=True, lock=False) as env, env.begin() as txn:
        return txn.get(b"00000000")


def put(path, records: dict[bytes, bytes]):
    with lmdb.open(str(path), map_size=1 << 24) as env, env.begin(write=True) as txn:
        for key, value in records.items():
            txn.put(key, value)


def test_bad_records_are_named_by_file_and_key(tmp_path):
    short = Datum(channels=1, height=2, width=2, data=b"abc", label=1).SerializeToString()
    put(tmp_path / "short", {b"00000007": short})
    with pytest.raises(InputError, match=r"short, key '00000007': 3 bytes for an image of shape \(1, 2, 2\)"):
        read_lmdb(tmp_path / "short")

    put(tmp_path / "junk", {b"k1": b"\xff\xfe\xfd"})
    with pytest.raises(InputError, match="key 'k1': the value is neither a Caffe nor an rpudl Datum"):
        read_lmdb(tmp_path / "junk")

    put(tmp_path / "noshape", {b"k": RpudlDatum(data=b"1234", label=0).SerializeToString()})
    with pytest.raises(InputError, match="carry no image shape"):
        read_lmdb(tmp_path / "noshape")

    put(tmp_path / "encoded", {b"k": Datum(channels=3, data=b"\x89PNG", encoded=True).SerializeToString()})
    with pytest.raises(InputError, match="key 'k': its encoded image cannot be decoded"):
        read_lmdb(tmp_path / "encoded")

    with pytest.raises(InputError, match="not an LMDB database"):
        read_lmdb(tmp_path / "nothing")


def test_bad_exports_fail_before_anything_is_written(tmp_path):
    images, labels = images_and_labels()
    with pytest.raises(InputError, match="5 images but 4 labels"):
        write_lmdb(tmp_path / "db", images, labels[:4])
    with pytest.raises(InputError, match="from 0 to 255"):
        write_lmdb(tmp_path / "db", images.astype(float) * 2, labels)
    write_lmdb(tmp_path / "db", images, labels)
    with pytest.raises(InputError, match="exists already"):
        write_lmdb(tmp_path / "db", images, labels)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]


def test_a_converted_source_reads_back_as_an_lmdb_source(tmp_path):
    write_cifar_set(tmp_path / "cifar")
    cifar = create_data_source("cifar10", tmp_path / "cifar", download=False)
    train, test = cifar.export_lmdb(tmp_path / "lmdb")
    assert (train.name, test.name) == ("cifar10_train_lmdb", "cifar10_test_lmdb")
    source = create_data_source("lmdb", tmp_path / "lmdb")
    np.testing.assert_array_equal(source.train_images, cifar.train_images)
    np.testing.assert_array_equal(source.test_labels, cifar.test_labels)


def test_rpudl_records_need_the_shape_from_the_user(tmp_path):
    write_idx_set(tmp_path / "mnist")
    mnist = create_data_source("mnist", tmp_path / "mnist", download=False)
    train, test = mnist.export_lmdb(tmp_path / "lmdb", kind="rpudl")
    source = create_data_source("lmdb", tmp_path, train_db=train, test_db=test, shape=(1, 28, 28))
    np.testing.assert_array_equal(source.test_images, mnist.test_images)
    with pytest.raises(InputError, match="give both train_db and test_db"):
        create_data_source("lmdb", tmp_path, train_db=train)
    with pytest.raises(InputError, match="two LMDB folders"):
        create_data_source("lmdb", tmp_path / "mnist")


def encoded(image: np.ndarray, form: str, mode: str, label: int) -> bytes:
    """A Datum as convert_imageset --encoded writes it: the image file's bytes, no shape."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image, mode=mode).save(
        buffer, format=form, **({"quality": 100} if form == "JPEG" else {})
    )
    return Datum(data=buffer.getvalue(), label=label, encoded=True).SerializeToString()


def test_encoded_images_decode_as_caffes_data_layer_does(tmp_path):
    """Colour as OpenCV's blue, green, red planes; grey as one channel; alpha dropped; JPEG near."""
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (2, 5, 6, 3), dtype=np.uint8)
    put(tmp_path / "png", {f"{i:08d}".encode(): encoded(rgb[i], "PNG", "RGB", i + 3) for i in range(2)})
    images, labels = read_lmdb(tmp_path / "png")
    np.testing.assert_array_equal(images, rgb[..., ::-1].transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(labels, [3, 4])

    grey = rng.integers(0, 256, (5, 6), dtype=np.uint8)
    rgba = np.concatenate([rgb[0], np.full((5, 6, 1), 7, np.uint8)], axis=2)
    put(tmp_path / "grey", {b"0": encoded(grey, "PNG", "L", 0)})
    put(tmp_path / "alpha", {b"0": encoded(rgba, "PNG", "RGBA", 0)})
    np.testing.assert_array_equal(read_lmdb(tmp_path / "grey")[0], grey[None, None])
    np.testing.assert_array_equal(read_lmdb(tmp_path / "alpha")[0][0], rgb[0, ..., ::-1].transpose(2, 0, 1))

    smooth = np.broadcast_to(np.linspace(0, 250, 16, dtype=np.uint8)[None, :, None], (16, 16, 3)).copy()
    put(tmp_path / "jpeg", {b"0": encoded(smooth, "JPEG", "RGB", 0)})
    decoded = read_lmdb(tmp_path / "jpeg")[0][0].astype(int)
    assert decoded.shape == (3, 16, 16)
    assert np.abs(decoded - smooth.transpose(2, 0, 1).astype(int)).max() <= 3


def test_a_data_source_reads_an_encoded_lmdb_and_a_mismatch_is_named(tmp_path):
    rgb = np.random.default_rng(5).integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    for name in ("train", "test"):
        records = {f"{i:08d}".encode(): encoded(rgb[i], "PNG", "RGB", i % 2) for i in range(4)}
        put(tmp_path / name, records)
    source = create_data_source("lmdb", tmp_path, train_db=tmp_path / "train", test_db=tmp_path / "test")
    assert source.shape == (3, 8, 8) and len(source.train_images) == 4
    put(
        tmp_path / "mixed",
        {b"0": encoded(rgb[0], "PNG", "RGB", 0), b"1": encoded(rgb[1, :4], "PNG", "RGB", 0)},
    )
    with pytest.raises(
        InputError, match=r"key '1': .* shape \(3, 4, 8\), but the database's images are \(3, 8, 8\)"
    ):
        read_lmdb(tmp_path / "mixed")
