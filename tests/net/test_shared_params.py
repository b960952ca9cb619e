"""Caffe's weight sharing (``param { name: }``): one set of values seen by several layers, whose
gradients add up; saved, snapshotted and restored once."""

import numpy as np
import pytest

from pyrpudl.data import create_data_source
from pyrpudl.errors import InputError
from pyrpudl.model import create_model
from pyrpudl.net import parse_net
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.net.net import Net
from pyrpudl.solver.snapshot import restore_snapshot
from pyrpudl.solver.trainer import train
from tests.data.files import write_idx_set
from tests.net.layers.helpers import central_differences
from tests.solver.conftest import sgd

TWINS = """
layer { name: "in" type: "Input" top: "a" top: "b" top: "t"
        input_param { shape { dim: 2 dim: 4 } shape { dim: 2 dim: 4 } shape { dim: 2 dim: 3 } } }
layer { name: "left" type: "InnerProduct" bottom: "a" top: "left"
        param { name: "w" lr_mult: 2 } param { name: "bias" }
        inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }
layer { name: "right" type: "InnerProduct" bottom: "b" top: "right"
        param { name: "w" lr_mult: 5 } param { name: "bias" }
        inner_product_param { num_output: 3 weight_filler { type: "gaussian" } } }
layer { name: "sum" type: "Eltwise" bottom: "left" bottom: "right" top: "sum" }
layer { name: "loss" type: "EuclideanLoss" bottom: "sum" bottom: "t" top: "loss" }
"""


def twins(dtype=np.float64):
    return Net(parse_net(TWINS), "TEST", None, 2, seed=0, dtype=dtype)


def test_sharing_layers_see_the_owners_values_and_keep_its_multipliers():
    net = twins()
    params = net.params
    assert np.shares_memory(params.weights("left"), params.weights("right"))
    params.weights("left")[0, 0] = 7.0
    assert params.weights("right")[0, 0] == 7.0
    assert params.learnable_count == 3 * 4 + 3  # the shared values counted once
    assert len(params.owned_slots()) == 2
    offset, _ = params.slots["left"][0]
    assert params.lr_mult[offset] == 2  # the owner's lr_mult, as in Caffe
    assert not np.shares_memory(params.gradient("left"), params.gradient("right"))


def test_the_shared_gradient_is_the_sum_over_the_layers_that_share():
    net = twins()
    rng = np.random.default_rng(1)
    inputs = {
        name: rng.standard_normal(shape) for name, shape in (("a", (2, 4)), ("b", (2, 4)), ("t", (2, 3)))
    }

    def loss():
        return float(net.forward(inputs, train=False)["loss"])

    loss()
    net.backward()
    params = net.params
    for layer, index in (("left", 0), ("left", 1)):
        analytic = params.gradient(layer, index).copy()
        numeric = central_differences(params.weights(layer, index).reshape(-1), loss)
        np.testing.assert_allclose(analytic.reshape(-1), numeric, rtol=1e-6, atol=1e-9)


SHAPES = """
layer { name: "in" type: "Input" top: "a" top: "c" top: "ta" top: "tc"
        input_param { shape { dim: 2 dim: 4 } shape { dim: 2 dim: 6 } shape { dim: 2 dim: 3 }
                      shape { dim: 2 dim: OUT } } }
layer { name: "left" type: "InnerProduct" bottom: "a" top: "left" param { name: "w" }
        inner_product_param { num_output: 3 bias_term: false weight_filler { type: "gaussian" } } }
layer { name: "right" type: "InnerProduct" bottom: "c" top: "right" param { name: "w" MODE }
        inner_product_param { num_output: OUT bias_term: false } }
layer { name: "l1" type: "EuclideanLoss" bottom: "left" bottom: "ta" top: "l1" }
layer { name: "l2" type: "EuclideanLoss" bottom: "right" bottom: "tc" top: "l2" }
"""


def shapes_net(mode: str, out: int) -> Net:
    text = SHAPES.replace("MODE", mode).replace("OUT", str(out))
    return Net(parse_net(text), "TEST", None, 2, dtype=np.float64)


def test_a_share_of_another_shape_is_refused_unless_permissive_with_as_many_values():
    with pytest.raises(InputError, match="shares parameter 'w' with layer 'left', but its shape .* differs"):
        shapes_net("", 2)  # (2, 6) holds as many values as (3, 4), but STRICT wants the shape
    with pytest.raises(InputError, match=r"holds 18 values and the owner's \[3, 4\] 12; .*PERMISSIVE needs"):
        shapes_net("share_mode: PERMISSIVE", 3)


def test_a_permissive_share_sees_the_owners_values_in_its_own_shape_and_adds_its_gradient():
    net = shapes_net("share_mode: PERMISSIVE", 2)
    params = net.params
    assert params.weights("right").shape == (2, 6)
    assert np.shares_memory(params.weights("left"), params.weights("right"))
    np.testing.assert_array_equal(params.weights("right").ravel(), params.weights("left").ravel())
    assert params.learnable_count == 12
    rng = np.random.default_rng(3)
    inputs = {name: rng.standard_normal(shape) for name, shape in
              (("a", (2, 4)), ("c", (2, 6)), ("ta", (2, 3)), ("tc", (2, 2)))}  # fmt: skip

    def loss():
        blobs = net.forward(inputs, train=False)
        return float(blobs["l1"]) + float(blobs["l2"])

    loss()
    net.backward()
    analytic = params.gradient("left").copy().ravel()
    numeric = central_differences(params.weights("left").reshape(-1), loss)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


TIED = """
name: "tied"
layer { name: "data" type: "Data" top: "data" transform_param { scale: 0.0039 mean_value: 0 } }
layer { name: "flat" type: "Flatten" bottom: "data" top: "flat" }
layer { name: "encode" type: "InnerProduct" bottom: "data" top: "code" param { name: "tied" }
        inner_product_param { num_output: 8 weight_filler { type: "xavier" } } }
layer { name: "decode" type: "InnerProduct" bottom: "code" top: "scores" param { name: "tied" }
        inner_product_param { num_output: 784 transpose: true } }
layer { name: "loss" type: "SigmoidCrossEntropyLoss" bottom: "scores" bottom: "flat" top: "loss" }
"""


def test_a_tied_autoencoder_trains_and_round_trips(tmp_path):
    """The decoder uses the encoder's weights transposed (InnerProduct's transpose: true), Caffe's
    way of tying them: one set of weights trained by both layers' gradients."""
    write_idx_set(tmp_path / "mnist", n_train=8, n_test=2)
    source = create_data_source("mnist", tmp_path / "mnist", download=False)
    model = create_model(TIED, source, seed=2)
    assert model.params.learnable_count == 8 * 784 + 8 + 784
    trained = train(model, batch=4, iterations=8, solver=sgd(0.01), report=False, snapshot=4,
                    snapshot_prefix=str(tmp_path / "snap" / "tied")).model  # fmt: skip
    assert np.mean(trained.cost_log[-3:]) < trained.cost_log[0]
    np.testing.assert_array_equal(trained.layer_weights("encode"), trained.layer_weights("decode"))
    resumed = restore_snapshot(model, tmp_path / "snap" / "tied_iter_4.solverstate")
    again = train(resumed, batch=4, iterations=4, solver=sgd(0.01), report=False).model
    np.testing.assert_array_equal(again.params.data, trained.params.data)
    loaded, _ = load_weights(
        create_model(TIED, source, seed=5), save_weights(trained, tmp_path / "t.caffemodel")
    )
    np.testing.assert_array_equal(loaded.layer_weights("decode"), trained.layer_weights("encode"))
