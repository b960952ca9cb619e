"""Parameters with lr_mult 0 (Caffe's frozen layers): their gradients are not computed, a frozen
layer over the data is not run backward at all, and everything else learns as before."""

import numpy as np
import pytest

from pyrpudl.net import parse_net
from pyrpudl.net.net import Net

NET = """
layer { name: "in" type: "Input" top: "data" top: "t"
        input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } shape { dim: 2 dim: 3 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" CONV
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 }
                            bias_filler { type: "gaussian" } } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "up" type: "Deconvolution" bottom: "conv" top: "up" UP
        convolution_param { num_output: 2 kernel_size: 4 stride: 2 pad: 1
                            weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" } } }
layer { name: "fc" type: "InnerProduct" bottom: "up" top: "fc" FC
        inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.1 }
                              bias_filler { type: "gaussian" } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "fc" bottom: "t" top: "loss" }
"""
FROZEN = "param { lr_mult: 0 } param { lr_mult: 0 }"
WEIGHTS_ONLY = "param { lr_mult: 0 } param { lr_mult: 1 }"


def net(dtype, **frozen):
    text = NET
    for layer in ("conv", "up", "fc"):
        text = text.replace(layer.upper(), frozen.get(layer, ""))
    return Net(parse_net(text), "TEST", None, 2, seed=0, dtype=dtype)


def gradients(model, seed=1) -> dict:
    rng = np.random.default_rng(seed)
    inputs = {"data": rng.standard_normal((2, 3, 8, 8)), "t": rng.standard_normal((2, 3))}
    model.forward({k: v.astype(model.params.data.dtype) for k, v in inputs.items()}, train=True)
    model.backward()
    return {
        (layer, i): model.params.gradient(layer, i).copy() for layer in ("conv", "up", "fc") for i in range(2)
    }


# float32 takes the CPU's direct convolution and phase deconvolution, float64 their column paths
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layer", ["conv", "up", "fc"])
@pytest.mark.parametrize("frozen", [FROZEN, WEIGHTS_ONLY], ids=["frozen", "weights only"])
def test_frozen_parameters_get_no_gradient_and_the_rest_are_unchanged(dtype, layer, frozen):
    free = gradients(net(dtype))
    found = gradients(net(dtype, **{layer: frozen}))
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for (name, index), gradient in found.items():
        if name == layer and (index == 0 or frozen == FROZEN):
            assert not gradient.any(), (name, index)
        else:
            assert gradient.any(), (name, index)
            np.testing.assert_allclose(gradient, free[name, index], rtol=tolerance, atol=tolerance)


def test_a_frozen_layer_over_the_data_is_not_run_backward():
    model = net(np.float32, conv=FROZEN)
    conv = next(layer for layer in model.layers if layer.name == "conv")
    calls = []
    conv.backward = lambda *args: calls.append(args)
    gradients(model)
    assert calls == []
    assert not model.layers[1].propagate_down[0]  # so the ReLU passes nothing down either


def test_frozen_weights_stay_through_training_and_the_others_learn():
    model = net(np.float32, up=FROZEN)
    before = {name: model.params.weights(name).copy() for name in ("conv", "up", "fc")}
    for _ in range(3):
        gradients(model)
        model.params.sgd_step(0.1, 0.9, 0.01)
    assert np.array_equal(model.params.weights("up"), before["up"])
    assert not np.array_equal(model.params.weights("conv"), before["conv"])
    assert not np.array_equal(model.params.weights("fc"), before["fc"])
