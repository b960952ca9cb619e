"""Caffe's .caffemodel: what we write is Caffe's wire format, Caffe's files (V2 and V1, legacy and
N-D blobs) load layer by layer by name, and bad files say what is wrong."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.model import predict
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.solver.trainer import train
from tests import protowire as w
from tests.solver.conftest import sgd


def test_the_written_file_is_caffes_net_with_each_layers_blobs(model, tmp_path):
    trained = train(model, batch=4, iterations=2, solver=sgd(), report=False).model
    fields = w.decode(save_weights(trained, tmp_path / "lenet.caffemodel").read_bytes())
    assert w.values_of(fields, w.NET_NAME) == [b"LeNet"]
    layers = [w.decode(raw) for raw in w.values_of(fields, w.NET_LAYER)]
    names = [w.values_of(layer, w.LAYER_NAME)[0].decode() for layer in layers]
    assert names == ["mnist", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "loss"]  # TRAIN net
    for name, layer in zip(names, layers, strict=True):
        blobs = [w.decode(raw) for raw in w.values_of(layer, w.LAYER_BLOBS)]
        assert len(blobs) == len(trained.params.slots.get(name, []))
        for index, blob in enumerate(blobs):
            want = trained.params.weights(name, index)
            shape = w.decode(w.values_of(blob, w.BLOB_SHAPE)[0])
            assert w.packed_varints(w.values_of(shape, w.SHAPE_DIM)[0]) == list(want.shape)
            assert np.array_equal(w.unpack_floats(w.values_of(blob, w.BLOB_DATA)[0]), want.ravel())


def test_weights_written_and_read_back_predict_the_same(model, tmp_path):
    trained = train(model, batch=4, iterations=3, solver=sgd(), report=False).model
    loaded, report = load_weights(model, save_weights(trained, tmp_path / "m.caffemodel"))
    assert report.copied == ["conv1", "conv2", "ip1", "ip2"] and not report.kept and not report.ignored
    x = model.source.test_images.reshape(4, -1)
    assert np.array_equal(predict(loaded, x, "prob"), predict(trained, x, "prob"))
    assert loaded.iteration == 0 and model.params.data[0] != trained.params.data[0]  # weights only


def test_a_v2_file_copies_by_name_ignores_other_layers_and_keeps_missing_ones(model, tmp_path):
    rng = np.random.default_rng(0)
    conv1 = rng.standard_normal((20, 1, 5, 5)).astype(np.float32)
    bias = rng.standard_normal(20).astype(np.float32)
    layer = w.field(w.LAYER_NAME, "conv1") + w.field(w.LAYER_TYPE, "Convolution")
    layer += w.field(w.LAYER_BLOBS, w.blob(conv1.ravel(), shape=conv1.shape))
    layer += w.field(w.LAYER_BLOBS, w.blob(bias, shape=bias.shape))
    other = w.field(w.LAYER_NAME, "fc8") + w.field(w.LAYER_BLOBS, w.blob([1.0, 2.0], shape=(2,)))
    path = tmp_path / "caffe.caffemodel"
    path.write_bytes(w.field(w.NET_LAYER, layer) + w.field(w.NET_LAYER, other))
    loaded, report = load_weights(model, path)
    assert report.copied == ["conv1"] and report.ignored == ["fc8"] and report.kept == ["conv2", "ip1", "ip2"]
    assert np.array_equal(loaded.params.weights("conv1"), conv1)
    assert np.array_equal(loaded.params.weights("conv1", 1), bias)
    assert np.array_equal(loaded.params.weights("ip1"), model.params.weights("ip1"))
    assert "ip2 keep their initial values; ignored (not in the net): fc8" in report.describe(path)


def test_a_v1_file_with_legacy_4d_blobs_and_double_data_loads(model, tmp_path):
    rng = np.random.default_rng(1)
    ip2 = rng.standard_normal((10, 500))
    bias = rng.standard_normal(10)
    layer = w.field(w.V1_NAME, "ip2") + w.field(w.V1_TYPE, w.V1_INNER_PRODUCT)
    layer += w.field(w.V1_BLOBS, w.blob(ip2.ravel(), legacy=(1, 1, 10, 500), double=True))
    layer += w.field(w.V1_BLOBS, w.blob(bias, legacy=(1, 1, 1, 10), double=True))
    path = tmp_path / "old.caffemodel"
    path.write_bytes(w.field(w.NET_V1_LAYERS, layer))
    loaded, report = load_weights(model, path)
    assert report.copied == ["ip2"]
    assert np.array_equal(loaded.params.weights("ip2"), ip2.astype(np.float32))
    assert np.array_equal(loaded.params.weights("ip2", 1), bias.astype(np.float32))


def test_a_shape_that_differs_names_both_shapes_and_the_way_out(model, tmp_path):
    layer = w.field(w.LAYER_NAME, "ip2") + w.field(w.LAYER_BLOBS, w.blob(np.zeros(5000), shape=(10, 500, 1)))
    layer += w.field(w.LAYER_BLOBS, w.blob(np.zeros(10), shape=(10,)))
    path = tmp_path / "bad.caffemodel"
    path.write_bytes(w.field(w.NET_LAYER, layer))
    with pytest.raises(
        InputError, match=r"weights of layer 'ip2'.*\[10, 500, 1\].*\[10, 500\].*another name"
    ):
        load_weights(model, path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"name: 'LeNet'\nlayer { name: 'conv1' }\n", "not a Caffe .caffemodel"),
        (w.field(w.NET_LAYER, w.field(w.LAYER_NAME, "conv1")), "holds no trained weights"),
        (
            w.field(
                w.NET_LAYER, w.field(w.LAYER_NAME, "fc8") + w.field(w.LAYER_BLOBS, w.blob([1.0], shape=(1,)))
            ),
            "no layer of .* has the name of a layer with parameters in the net .*fc8.*conv1",
        ),
    ],
)
def test_files_that_are_not_weights_for_the_net_are_refused(model, tmp_path, content, message):
    path = tmp_path / "x.caffemodel"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_weights(model, path)
    with pytest.raises(InputError, match="cannot read the weights file"):
        load_weights(model, tmp_path / "missing.caffemodel")
