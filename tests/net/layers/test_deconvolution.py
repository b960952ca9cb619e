"""Caffe's Deconvolution against the scatter it is defined by (tests/reference.py), its gradients
by finite differences, its output sizes, and a net that trains with one."""

import numpy as np
import pytest
from google.protobuf import text_format

from pyrpudl.model import create_model
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.net.shapes import ShapeError, infer_shapes
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.trainer import train
from tests import reference
from tests.net.layers.helpers import check_gradients, make_layer
from tests.solver.conftest import LENET, sgd

CASES = [
    ("num_output: 3 kernel_size: 4 stride: 2 pad: 1", (2, 2, 3, 3)),  # FCN's 2x upsampling
    ("num_output: 4 kernel_size: 3 pad: 1 group: 2", (1, 4, 3, 4)),
    (
        "num_output: 2 kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 1 dilation: 2 bias_term: false",
        (2, 1, 2, 3),
    ),
]


def deconv(params: str, shape):
    return make_layer(f'name: "up" type: "Deconvolution" convolution_param {{ {params} }}', [shape])


@pytest.mark.parametrize(("params", "shape"), CASES)
def test_forward_is_the_scatter_of_each_input_pixel(params, shape):
    layer = deconv(params, shape)
    x = np.random.default_rng(0).standard_normal(shape)
    w = layer.window_args
    want = reference.deconv2d(x, layer.params[0], layer.params[1] if layer.bias else None, (w[2], w[3]),
                              (w[4], w[5]), (w[6], w[7]), layer.group)  # fmt: skip
    got = layer.forward([x], train=True)[0]
    assert got.shape == want.shape == (shape[0], *layer.top_shapes[0][1:])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("params", "shape"), CASES)
def test_gradients_match_finite_differences(params, shape):
    check_gradients(deconv(params, shape), [np.random.default_rng(1).standard_normal(shape)])


def test_output_sizes_are_caffes_and_bad_groups_are_named():
    def top(params):
        text = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: [1, 4, 5, 5] } } }'
        text += 'layer { name: "up" type: "Deconvolution" bottom: "x" top: "y"\n'
        text += f"convolution_param {{ {params} }} }}"
        return infer_shapes(list(text_format.Parse(text, pb.NetParameter()).layer)).blobs["y"]

    assert top("num_output: 2 kernel_size: 4 stride: 2 pad: 1") == (1, 2, 10, 10)  # twice the size
    assert top("num_output: 2 kernel_size: 3") == (1, 2, 7, 7)
    with pytest.raises(ShapeError, match="group 3 must divide the 4 input channels"):
        top("num_output: 3 kernel_size: 3 group: 3")


def test_a_net_with_a_deconvolution_trains_and_its_weights_go_through_a_caffemodel(model, tmp_path):
    upsample = (
        'layer { name: "up" type: "Deconvolution" bottom: "pool1" top: "up" convolution_param {\n'
        '  num_output: 8 kernel_size: 2 stride: 2 weight_filler { type: "xavier" } } }\n'
    )
    text = LENET.read_text().replace('layer {\n  name: "conv2"', upsample + 'layer {\n  name: "conv2"')
    text = text.replace('bottom: "pool1"\n  top: "conv2"', 'bottom: "up"\n  top: "conv2"')
    net = create_model(text, model.source, seed=1)
    assert net.params.weights("up").shape == (20, 8, 2, 2)  # Caffe's layout: inputs first
    trained = train(net, batch=4, iterations=2, solver=sgd(), report=False).model
    assert np.all(np.isfinite(trained.cost_log))
    assert not np.array_equal(trained.params.weights("up"), net.params.weights("up"))
    loaded, report = load_weights(net, save_weights(trained, tmp_path / "up.caffemodel"))
    assert "up" in report.copied and np.array_equal(loaded.params.weights("up"), trained.params.weights("up"))
