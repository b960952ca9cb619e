"""Caffe's Im2col, BatchReindex and Parameter layers: against NumPy, their gradients by finite
differences, and what each is for (columns a 1x1 convolution turns into the convolution, rows
picked and summed back, a learned blob that training moves)."""

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from pyrpudl.net.shapes import ShapeError
from tests.net.layers.helpers import check_gradients, make_layer

IM2COL = 'name: "cols" type: "Im2col" convolution_param {{ {conv} }}'


def numpy_columns(x, k, pad, stride, dilation=1):
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    extent = dilation * (k - 1) + 1
    oh, ow = (h + 2 * pad - extent) // stride + 1, (w + 2 * pad - extent) // stride + 1
    out = np.empty((n, c, k, k, oh, ow))
    for i in range(k):
        for j in range(k):
            rows = slice(i * dilation, i * dilation + stride * (oh - 1) + 1, stride)
            cols = slice(j * dilation, j * dilation + stride * (ow - 1) + 1, stride)
            out[:, :, i, j] = padded[:, :, rows, cols]
    return out.reshape(n, c * k * k, oh, ow)


@pytest.mark.parametrize(
    ("conv", "k", "pad", "stride", "dilation"),
    [("kernel_size: 3", 3, 0, 1, 1), ("kernel_size: 2 pad: 1 stride: 2", 2, 1, 2, 1),
     ("kernel_size: 3 pad: 2 dilation: 2", 3, 2, 1, 2)],
)  # fmt: skip
def test_im2col_gives_caffes_columns_and_their_gradient(conv, k, pad, stride, dilation):
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5))
    layer = make_layer(IM2COL.format(conv=conv), [x.shape])
    got = layer.forward([x], train=True)[0]
    want = numpy_columns(x, k, pad, stride, dilation)
    assert got.shape == layer.top_shapes[0] == want.shape
    np.testing.assert_array_equal(got, want)
    check_gradients(layer, [x])


def test_a_1x1_convolution_of_the_columns_is_the_convolution():
    net = """
    layer { name: "in" type: "Input" top: "x" input_param { shape { dim: [2, 3, 7, 6] } } }
    layer { name: "conv" type: "Convolution" bottom: "x" top: "direct"
            convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 2
                                weight_filler { type: "gaussian" std: 1 }
                                bias_filler { type: "gaussian" std: 1 } } }
    layer { name: "cols" type: "Im2col" bottom: "x" top: "cols"
            convolution_param { kernel_size: 3 pad: 1 stride: 2 } }
    layer { name: "one" type: "Convolution" bottom: "cols" top: "through_columns"
            convolution_param { num_output: 4 kernel_size: 1 } }
    """
    built = Net(parse_net(net), "TEST", None, 2, seed=0, dtype=np.float64)
    params = built.params
    params.weights("one", 0)[...] = params.weights("conv", 0).reshape(4, 27, 1, 1)
    params.weights("one", 1)[...] = params.weights("conv", 1)
    blobs = built.forward({"x": np.random.default_rng(1).standard_normal((2, 3, 7, 6))}, train=False)
    np.testing.assert_allclose(blobs["through_columns"], blobs["direct"], rtol=1e-12)


REINDEX = 'name: "pick" type: "BatchReindex" bottom: "x" bottom: "permut" top: "y"'


def test_batch_reindex_picks_rows_and_sums_their_gradients_back():
    x = np.random.default_rng(2).standard_normal((4, 2, 3))
    permut = np.array([3.0, 0.0, 3.0, 1.0, 3.0])  # repeats, and row 2 not picked
    layer = make_layer(REINDEX, [x.shape, permut.shape])
    got = layer.forward([x, permut], train=True)[0]
    assert got.shape == layer.top_shapes[0] == (5, 2, 3)
    np.testing.assert_array_equal(got, x[[3, 0, 3, 1, 3]])
    layer.propagate_down = [True, False]
    dy = np.random.default_rng(3).standard_normal(got.shape)
    dx = layer.backward([dy], [x, permut], [got])[0]
    want = np.zeros_like(x)
    np.add.at(want, [3, 0, 3, 1, 3], dy)
    np.testing.assert_allclose(dx, want, rtol=1e-12)
    assert not dx[2].any()
    check_gradients(layer, [x, permut], skip_bottoms=(1,))


def test_batch_reindex_names_an_index_that_is_not_a_row():
    x = np.zeros((4, 2))
    layer = make_layer(REINDEX, [x.shape, (2,)])
    for bad in (4.0, -1.0, 1.5):
        with pytest.raises(InputError, match=f"whole numbers from 0 to 3; found {bad:g}"):
            layer.forward([x, np.array([0.0, bad])], train=True)
    with pytest.raises(ShapeError, match="a vector of row indices"):
        make_layer(REINDEX, [x.shape, (2, 1)])


PARAMETER = """
layer { name: "in" type: "Input" top: "target" input_param { shape { dim: [2, 3] } } }
layer { name: "p" type: "Parameter" top: "p" parameter_param { shape { dim: [2, 3] } } }
layer { name: "loss" type: "EuclideanLoss" bottom: "p" bottom: "target" top: "loss" }
"""


def test_a_parameter_starts_at_zero_and_training_moves_it_to_its_target():
    net = Net(parse_net(PARAMETER), "TRAIN", None, 2, seed=0, dtype=np.float64)
    blob = net.params.weights("p", 0)
    assert blob.shape == (2, 3) and not blob.any()  # Caffe's Parameter has no filler
    target = np.arange(6.0).reshape(2, 3)
    for _ in range(200):
        net.forward({"target": target}, train=True)
        net.backward()
        net.params.data -= 0.5 * net.params.diff
    np.testing.assert_allclose(blob, target, rtol=1e-6)


def test_a_parameter_without_a_shape_or_with_a_bottom_is_refused():
    for text in (
        'name: "p" type: "Parameter"',
        'name: "p" type: "Parameter" parameter_param { shape { dim: [0] } }',
    ):
        with pytest.raises(ShapeError, match="takes no bottom and needs parameter_param"):
            make_layer(text, [])
    with pytest.raises(ShapeError, match="got 1 bottoms"):
        make_layer('name: "p" type: "Parameter" parameter_param { shape { dim: 2 } }', [(2,)])
