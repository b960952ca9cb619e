import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from tests.net.test_prototxt import CAFFE

TINY = """
layer { name: "data" type: "Input" top: "data" top: "label"
        input_param { shape { dim: 3 dim: 2 dim: 6 dim: 6 } shape { dim: 3 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 3 kernel_size: 3 pad: 1
                            weight_filler { type: "gaussian" std: 0.5 } } }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
        pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "relu" type: "ReLU" bottom: "pool" top: "pool" }
layer { name: "norm" type: "LRN" bottom: "pool" top: "norm" lrn_param { local_size: 3 alpha: 0.1 } }
layer { name: "ip" type: "InnerProduct" bottom: "norm" top: "ip"
        inner_product_param { num_output: 4 weight_filler { type: "xavier" }
                              bias_filler { type: "constant" value: 0.1 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
"""


def tiny_inputs(seed=0):
    rng = np.random.default_rng(seed)
    return {"data": rng.standard_normal((3, 2, 6, 6)), "label": np.array([0, 3, 1])}


def test_whole_net_gradients_match_finite_differences_through_an_in_place_relu():
    net = Net(parse_net(TINY), "TEST", None, 3, dtype=np.float64)
    inputs = tiny_inputs()
    net.forward(inputs, train=True)
    net.backward()
    analytic = net.params.diff.copy()
    rng = np.random.default_rng(1)
    for index in rng.choice(net.params.data.size, 40, replace=False):
        saved = net.params.data[index]
        net.params.data[index] = saved + 1e-6
        plus = net.loss(net.forward(inputs, True))
        net.params.data[index] = saved - 1e-6
        minus = net.loss(net.forward(inputs, True))
        net.params.data[index] = saved
        assert analytic[index] == pytest.approx((plus - minus) / 2e-6, rel=1e-4, abs=1e-8)


def test_sgd_steps_fit_a_fixed_batch():
    net = Net(parse_net(TINY), "TEST", None, 3, seed=2)
    inputs = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in tiny_inputs().items()}
    first = net.loss(net.forward(inputs, True))
    for _ in range(30):
        net.forward(inputs, True)
        net.backward()
        net.params.sgd_step(0.05, 0.9, 0.0)
    assert net.loss(net.forward(inputs, True)) < first / 5


def test_cifar10_quick_starts_near_chance_and_the_test_net_shares_its_weights():
    spec = parse_net(CAFFE / "cifar10_quick_train_test.prototxt")
    train = Net(spec, "TRAIN", (3, 32, 32), 4, seed=0)
    rng = np.random.default_rng(0)
    inputs = {"data": rng.standard_normal((4, 3, 32, 32)).astype(np.float32), "label": np.array([0, 1, 2, 3])}
    blobs = train.forward(inputs, True)
    assert float(blobs["loss"]) == pytest.approx(
        np.log(10), abs=0.01
    )  # tiny gaussian weights: uniform scores
    train.backward()
    assert np.abs(train.params.gradient("conv1")).sum() > 0
    test = Net(spec, "TEST", (3, 32, 32), 4, params=train.params)
    assert np.shares_memory(test.params.weights("ip2"), train.params.data)
    assert 0.0 <= float(test.forward(inputs, False)["accuracy"]) <= 1.0


def test_missing_inputs_are_named():
    net = Net(parse_net(TINY), "TEST", None, 3)
    with pytest.raises(InputError, match="needs inputs label"):
        net.forward({"data": np.zeros((3, 2, 6, 6), np.float32)}, True)


def test_only_a_loss_layers_first_top_counts_by_default():
    """Caffe weighs a loss layer's first top 1 unless told; its other tops (InfogainLoss's
    probabilities) count only with a loss_weight."""
    from pyrpudl.net.net import loss_weights

    net = parse_net(
        """
        layer { name: "i" type: "InfogainLoss" bottom: "x" bottom: "l" top: "loss" top: "prob" }
        layer { name: "e" type: "EuclideanLoss" bottom: "x" bottom: "y" top: "l2" loss_weight: 0 }
        layer { name: "w" type: "InfogainLoss" bottom: "x" bottom: "l" top: "a" top: "b"
                loss_weight: 2 loss_weight: 0.5 }
        """
    )
    assert loss_weights(net.layer) == {"loss": 1.0, "a": 2.0, "b": 0.5}
