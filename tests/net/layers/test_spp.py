"""Caffe's SPP against a NumPy pyramid of Caffe's pooling windows, its gradients by finite
differences, and the point of it: the same weights take inputs of other sizes."""

import math

import numpy as np
import pytest

from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from pyrpudl.net.shapes import ShapeError
from tests.net.layers.helpers import check_gradients, make_layer


def caffe_pool(x, bins, method):
    """One pyramid level as Caffe's SPP and Pooling compute it: window ceil(size / bins), stride
    the window, padding (window·bins − size + 1) / 2; AVE divides by the window clipped to the
    padded image, MAX looks only inside the image."""
    n, c, height, width = x.shape
    kh, kw = math.ceil(height / bins), math.ceil(width / bins)
    ph, pw = (kh * bins - height + 1) // 2, (kw * bins - width + 1) // 2
    out = np.empty((n, c, bins, bins))
    for i in range(bins):
        for j in range(bins):
            top, left = i * kh - ph, j * kw - pw
            bottom, right = min(top + kh, height + ph), min(left + kw, width + pw)
            size = (bottom - top) * (right - left)
            window = x[:, :, max(top, 0) : min(bottom, height), max(left, 0) : min(right, width)]
            if method == "MAX":
                out[:, :, i, j] = window.max(axis=(2, 3))
            else:
                out[:, :, i, j] = window.sum(axis=(2, 3)) / size
    return out


def spp(height: int, method: str, shape):
    return make_layer(
        f'name: "spp" type: "SPP" spp_param {{ pyramid_height: {height} pool: {method} }}', [shape]
    )


@pytest.mark.parametrize("method", ["MAX", "AVE"])
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 2, 13, 11), (2, 1, 7, 9)])
def test_spp_concatenates_caffes_pyramid_of_poolings(method, shape):
    layer = spp(3, method, shape)
    x = np.random.default_rng(0).standard_normal(shape)
    got = layer.forward([x], train=True)[0]
    n, c = shape[:2]
    want = np.concatenate([caffe_pool(x, 2**level, method).reshape(n, -1) for level in range(3)], axis=1)
    assert got.shape == layer.top_shapes[0] == (n, c * (1 + 4 + 16))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_one_level_is_the_global_pooling_in_caffes_four_axes():
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 6))
    layer = spp(1, "MAX", x.shape)
    got = layer.forward([x], train=True)[0]
    assert got.shape == layer.top_shapes[0] == (2, 3, 1, 1)
    np.testing.assert_array_equal(got[:, :, 0, 0], x.max(axis=(2, 3)))


@pytest.mark.parametrize("method", ["MAX", "AVE"])
@pytest.mark.parametrize("height", [1, 3])
def test_spp_gradients_match_finite_differences(method, height):
    x = np.random.default_rng(2).standard_normal((2, 2, 7, 6))  # distinct values: no ties for MAX
    check_gradients(spp(height, method, x.shape), [x])


@pytest.mark.parametrize(
    ("param", "shape", "message"),
    [
        ("pyramid_height: 4", (1, 1, 6, 6), "too small for pyramid level 3"),
        ("pyramid_height: 0", (1, 1, 5, 5), "at least 1"),
        ("pyramid_height: 2 pool: STOCHASTIC", (1, 1, 8, 8), "use MAX or AVE"),
        ("pyramid_height: 2", (4, 5), "needs a 4-D input"),
    ],
)
def test_an_spp_that_cannot_be_built_says_why(param, shape, message):
    with pytest.raises(ShapeError, match=message):
        make_layer(f'name: "spp" type: "SPP" spp_param {{ {param} }}', [shape])


NET = """
layer {{ name: "in" type: "Input" top: "x" input_param {{ shape {{ dim: [2, 3, {h}, {w}] }} }} }}
layer {{ name: "conv" type: "Convolution" bottom: "x" top: "c"
        convolution_param {{ num_output: 4 kernel_size: 3 weight_filler {{ type: "gaussian" std: 0.3 }} }} }}
layer {{ name: "spp" type: "SPP" bottom: "c" top: "s" spp_param {{ pyramid_height: 3 }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "s" top: "y"
        inner_product_param {{ num_output: 5 weight_filler {{ type: "gaussian" std: 0.1 }} }} }}
"""


def test_the_same_weights_take_inputs_of_another_size():
    """SPP's fixed length lets a net trained on 10x10 images classify 17x13 ones with its weights."""
    small = Net(parse_net(NET.format(h=10, w=10)), "TEST", None, 2, seed=0, dtype=np.float64)
    large = Net(parse_net(NET.format(h=17, w=13)), "TEST", None, 2, params=small.params)
    x = np.random.default_rng(3).standard_normal((2, 3, 17, 13))
    blobs = large.forward({"x": x}, train=False)
    assert blobs["s"].shape == (2, 4 * 21) and blobs["y"].shape == (2, 5)
    conv = blobs["c"]
    want = np.concatenate([caffe_pool(conv, 2**level, "MAX").reshape(2, -1) for level in range(3)], axis=1)
    np.testing.assert_allclose(blobs["s"], want, rtol=1e-12)
    weights, bias = small.params.weights("ip", 0), small.params.weights("ip", 1)
    np.testing.assert_allclose(blobs["y"], want @ weights.T + bias, rtol=1e-10)
