"""Features from inside a net: a TEST blob's values for given images, checked against the layers'
arithmetic on the blob before it, whatever the chunking, for train/test and deploy nets."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.extract import extract_features
from pyrpudl.model import create_model, predict
from pyrpudl.solver.trainer import train
from tests.net.test_prototxt import CAFFE
from tests.solver.conftest import sgd


@pytest.fixture
def trained(model):
    return train(model, batch=4, iterations=3, solver=sgd(), report=False).model


def test_a_blob_holds_what_its_layers_make_of_the_blob_before(trained):
    x = trained.source.test_images
    pool2 = extract_features(trained, x, "pool2")
    ip1 = extract_features(trained, x, "ip1")  # rewritten in place by relu1, as in Caffe
    assert pool2.shape == (4, 50, 4, 4) and ip1.shape == (4, 500)
    weights, bias = trained.params.weights("ip1"), trained.params.weights("ip1", 1)
    want = np.maximum(pool2.reshape(4, -1) @ weights.T + bias, 0)
    np.testing.assert_allclose(ip1, want, rtol=1e-4, atol=1e-5)
    ip2 = extract_features(trained, x.reshape(4, -1), "ip2", chunk=3)  # chunks of 3 and 1
    scores = ip1 @ trained.params.weights("ip2").T + trained.params.weights("ip2", 1)
    np.testing.assert_allclose(ip2, scores, rtol=1e-4, atol=1e-5)
    probabilities = np.exp(ip2 - ip2.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(predict(trained, x, "prob"), probabilities, rtol=1e-5)
    assert extract_features(trained, x[:0], "conv1").shape == (0, 20, 24, 24)


def test_a_deploy_nets_output_is_a_blob_like_any_other():
    deployed = create_model(CAFFE / "lenet.prototxt", seed=2)
    x = np.random.default_rng(0).random((3, 784), np.float32)
    np.testing.assert_allclose(extract_features(deployed, x, "prob"), predict(deployed, x, "prob"), rtol=1e-6)


def test_a_blob_that_is_not_per_image_or_not_there_is_refused_with_the_names(trained):
    x = trained.source.test_images
    for blob in ("loss", "accuracy", "label", "fc7"):
        with pytest.raises(InputError, match=f"no blob '{blob}' .*its blobs: data, conv1, pool1, conv2"):
            extract_features(trained, x, blob)
