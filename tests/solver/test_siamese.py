"""rpud's siamese net (the architecture of Caffe's MNIST siamese example) on pairs of images:
two towers with one set of weights, trained by a ContrastiveLoss on the pairs' similarity."""

import numpy as np

from pyrpudl.data import create_data_source
from pyrpudl.extract import extract_features
from pyrpudl.model import create_model
from pyrpudl.solver.trainer import train
from tests.conftest import ROOT
from tests.data.files import write_idx_set
from tests.solver.conftest import sgd

SIAMESE = ROOT / "r_wrapper/rpud/inst/rpudl/siamese_train.prototxt"


def test_the_siamese_net_trains_one_tower_on_pairs(tmp_path):
    write_idx_set(tmp_path, n_train=16, n_test=4)
    pairs = create_data_source("mnist", tmp_path, download=False).pairs(seed=1)
    model = create_model(SIAMESE, pairs, seed=0)
    assert model.params.learnable_count == 431_102  # LeNet's tower with a 2-value output, once
    solver = sgd(0.01)
    solver.test_interval = 3
    lines = []
    trained = train(model, batch=4, iterations=6, solver=solver, report=lines.append, display=3).model
    assert np.isfinite(trained.cost_log).all() and np.isnan(trained.accuracy_log).all()
    assert "accuracy" not in " ".join(lines) and len(trained.test_log) == 3
    for layer in ("conv1", "conv2", "ip1", "ip2", "feat"):
        np.testing.assert_array_equal(trained.layer_weights(layer), trained.layer_weights(f"{layer}_p"))
    assert not np.array_equal(trained.layer_weights("conv1"), model.layer_weights("conv1"))
    # one image's embedding: the pair of the image with itself gives it from both towers alike
    image = pairs.test_images[:2, :1]
    both = np.concatenate([image, image], axis=1).reshape(2, -1)
    features = extract_features(trained, both, "feat")
    np.testing.assert_array_equal(features, extract_features(trained, both, "feat_p"))
    assert features.shape == (2, 2)
