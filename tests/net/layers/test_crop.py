"""Caffe's Crop: a window of the first bottom the size of the second, by its axis and offsets."""

import numpy as np
import pytest

from pyrpudl.net.shapes import ShapeError, crop_offsets
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.net.layers.helpers import check_gradients, make_layer


@pytest.mark.parametrize(
    ("settings", "window"),
    [
        ("", (slice(None), slice(None), slice(0, 3), slice(0, 4))),  # axis 2, offsets 0
        ("crop_param { offset: 1 }", (slice(None), slice(None), slice(1, 4), slice(1, 5))),
        ("crop_param { axis: 1 offset: [1, 0, 2] }", (slice(None), slice(1, 3), slice(0, 3), slice(2, 6))),
        ("crop_param { axis: -1 offset: 2 }", (slice(None), slice(None), slice(None), slice(2, 6))),
    ],
)
def test_crop_takes_caffes_window_and_puts_the_gradient_back(settings, window):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    like = {"": (2, 3, 3, 4), "crop_param { offset: 1 }": (2, 3, 3, 4)}.get(settings, (2, 2, 3, 4))
    if "axis: -1" in settings:
        like = (2, 3, 5, 4)
    layer = make_layer(f'name: "c" type: "Crop" {settings}', [x.shape, like])
    (out,) = layer.forward([x, np.zeros(like)], True)
    np.testing.assert_array_equal(out, x[window])
    check_gradients(layer, [x, np.zeros(like)], skip_bottoms=(1,))


@pytest.mark.parametrize(
    ("settings", "like", "message"),
    [
        ("offset: [1, 2]", (1, 1, 2, 2), "2 offsets for 3 cropped axes"),
        ("offset: 3", (1, 1, 2, 2), "axis 1 of .* too small for a crop of 1 at offset 3"),
        ("", (1, 1, 2), "different numbers of axes"),
    ],
)
def test_a_crop_that_does_not_fit_says_why(settings, like, message):
    from google.protobuf import text_format

    spec = text_format.Parse(
        f'name: "c" type: "Crop" crop_param {{ axis: 1 {settings} }}', pb.LayerParameter()
    )
    with pytest.raises(ShapeError, match=message):
        crop_offsets(spec, [(1, 2, 4, 4), like])


PADDED = """
name: "padded"
layer { name: "data" type: "Data" top: "data" top: "label" transform_param { scale: 0.0039 } }
layer { name: "wide" type: "Convolution" bottom: "data" top: "wide"
        convolution_param { num_output: 4 kernel_size: 3 pad: 2 weight_filler { type: "xavier" } } }
layer { name: "crop" type: "Crop" bottom: "wide" bottom: "data" top: "cropped" crop_param { offset: 1 } }
layer { name: "ip" type: "InnerProduct" bottom: "cropped" top: "ip"
        inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
"""


def test_a_net_crops_a_padded_convolution_back_to_its_input_and_trains(model):
    from pyrpudl.model import create_model
    from pyrpudl.net.net import Net
    from pyrpudl.solver.trainer import train
    from tests.solver.conftest import sgd

    padded = create_model(PADDED, model.source, seed=1)
    shapes = Net(padded.spec, "TRAIN", (1, 28, 28), 4, params=padded.params).shapes.blobs
    assert shapes["wide"] == (4, 4, 30, 30) and shapes["cropped"] == (4, 4, 28, 28)
    trained = train(padded, batch=4, iterations=3, solver=sgd(), report=False).model
    assert np.isfinite(trained.cost_log).all()
    assert not np.array_equal(trained.layer_weights("wide"), padded.layer_weights("wide"))
