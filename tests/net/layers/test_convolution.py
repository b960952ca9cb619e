import numpy as np
import pytest

from tests import reference
from tests.net.layers.helpers import check_gradients, make_layer

CASES = {
    "plain": ("num_output: 4 kernel_size: 3", (2, 3, 6, 5)),
    "pad and stride": ("num_output: 3 kernel_size: 3 pad: 2 stride: 2", (2, 2, 7, 7)),
    "groups, no bias": ("num_output: 4 kernel_size: 2 group: 2 bias_term: false", (1, 4, 5, 5)),
    "1x1 (network in network)": ("num_output: 5 kernel_size: 1", (2, 3, 4, 4)),
    "dilation and rectangular": ("num_output: 2 kernel_h: 2 kernel_w: 3 dilation: 2", (1, 2, 7, 8)),
}


def conv(params: str, shape, dtype=np.float64):
    return make_layer(f'name: "c" type: "Convolution" convolution_param {{ {params} }}', [shape], dtype)


@pytest.mark.parametrize("params, shape", CASES.values(), ids=CASES.keys())
def test_forward_matches_direct_convolution(params, shape):
    layer = conv(params, shape)
    image = np.random.default_rng(2).standard_normal(shape)
    p = layer.spec.convolution_param
    w = layer.window
    bias = layer.params[1] if p.bias_term else None
    want = reference.conv2d(image, layer.params[0], bias, (w.ph, w.pw), (w.sh, w.sw), (w.dh, w.dw), p.group)
    np.testing.assert_allclose(layer.forward([image], True)[0], want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("params, shape", CASES.values(), ids=CASES.keys())
def test_gradients_match_finite_differences(params, shape):
    layer = conv(params, shape)
    check_gradients(layer, [np.random.default_rng(3).standard_normal(shape)])


def test_float32_forward_agrees_with_float64():
    shape = (2, 3, 8, 8)
    image = np.random.default_rng(4).standard_normal(shape)
    exact = conv("num_output: 4 kernel_size: 5 pad: 2", shape).forward([image], True)[0]
    single = conv("num_output: 4 kernel_size: 5 pad: 2", shape, np.float32).forward(
        [image.astype(np.float32)], True
    )[0]
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, exact, rtol=1e-4, atol=1e-4)
