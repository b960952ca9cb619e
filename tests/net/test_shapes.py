from pathlib import Path

import pytest

from pyrpudl.net import infer_shapes, layers_for_phase, parse_net
from pyrpudl.net.shapes import ShapeError, conv_output_size, pool_output_size

CAFFE = Path(__file__).with_name("caffe")


def test_cifar10_quick_has_caffes_parameter_count_and_ip1_sees_1024_inputs():
    layers = layers_for_phase(parse_net(CAFFE / "cifar10_quick_train_test.prototxt"), "TRAIN")
    shapes = infer_shapes(layers, (3, 32, 32), batch=100)
    assert shapes.parameter_count == 145_578
    assert shapes.blobs["pool3"] == (100, 64, 4, 4)
    assert shapes.params["ip1"] == [(64, 1024), (64,)]
    assert shapes.blobs["loss"] == ()


def test_lenet_shapes():
    layers = layers_for_phase(parse_net(CAFFE / "lenet_train_test.prototxt"), "TEST")
    shapes = infer_shapes(layers, (1, 28, 28), batch=100)
    assert shapes.parameter_count == 431_080
    assert shapes.blobs["pool2"] == (100, 50, 4, 4)


@pytest.mark.parametrize(
    "size, kernel, pad, stride, expected",
    [
        (32, 3, 0, 2, 16),
        (32, 3, 1, 2, 17),
        (7, 3, 0, 2, 3),
        (8, 3, 0, 2, 4),
        (5, 2, 1, 2, 3),
        (6, 3, 1, 3, 3),
    ],
)
def test_pooling_rounds_up_but_drops_a_window_that_starts_in_the_padding(size, kernel, pad, stride, expected):
    assert pool_output_size(size, kernel, pad, stride) == expected


def test_pooling_floor_mode_and_convolution_floor():
    assert pool_output_size(8, 3, 0, 2, ceil_mode=False) == 3
    assert conv_output_size(32, 5, 2, 1) == 32
    assert conv_output_size(8, 3, 0, 2) == 3
    assert conv_output_size(9, 3, 0, 1, dilation=2) == 5


INPUT = 'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }'


def layer(name: str, kind: str, bottoms: str, top: str, params: str = "") -> str:
    tops = " ".join(f'bottom: "{b}"' for b in bottoms.split())
    return f'layer {{ name: "{name}" type: "{kind}" {tops} top: "{top}" {params} }}'


def net(*layers: str):
    return layers_for_phase(parse_net("\n".join((INPUT, *layers))), "TEST")


def test_unknown_types_list_the_known_ones():
    with pytest.raises(
        ShapeError,
        match="type 'SELU'.*known types: AbsVal, Accuracy, .*BatchNorm, BatchReindex, Bias, BNLL, Clip, "
        "Concat, .*Convolution, .*Data, ",
    ):
        infer_shapes(net(layer("d", "SELU", "x", "y")))


def test_a_bottom_nobody_produces_is_named():
    with pytest.raises(ShapeError, match="layer 'r' reads 'nothing', which no earlier layer produces"):
        infer_shapes(net(layer("r", "ReLU", "nothing", "y")))


def test_shapes_that_do_not_fit_name_the_layer():
    with pytest.raises(ShapeError, match="layer 'big': a 9x9 kernel does not fit its 8x8 input"):
        infer_shapes(
            net(layer("big", "Convolution", "x", "y", "convolution_param { num_output: 2 kernel_size: 9 }"))
        )
    with pytest.raises(ShapeError, match="group 2 must divide the 3 input channels"):
        conv = "convolution_param { num_output: 4 kernel_size: 3 group: 2 }"
        infer_shapes(net(layer("g", "Convolution", "x", "y", conv)))
    with pytest.raises(ShapeError, match="cannot concatenate"):
        pool = layer("p", "Pooling", "x", "p", "pooling_param { kernel_size: 2 stride: 2 }")
        infer_shapes(net(pool, layer("c", "Concat", "x p", "y")))


def test_group_convolution_global_pooling_concat_flatten_and_1x1_nin_shapes():
    shapes = infer_shapes(
        net(
            layer(
                "c", "Convolution", "x", "c", "convolution_param { num_output: 6 kernel_size: 1 group: 3 }"
            ),
            layer("cat", "Concat", "x c", "cat"),
            layer("g", "Pooling", "cat", "g", "pooling_param { pool: AVE global_pooling: true }"),
            layer("f", "Flatten", "g", "f"),
        )
    )
    assert shapes.params["c"] == [(6, 1, 1, 1), (6,)]
    assert shapes.blobs["cat"] == (2, 9, 8, 8)
    assert shapes.blobs["f"] == (2, 9)


def test_a_data_layer_needs_the_image_shape():
    layers = layers_for_phase(parse_net(CAFFE / "lenet_train_test.prototxt"), "TRAIN")
    with pytest.raises(ShapeError, match="give the data source's image shape"):
        infer_shapes(layers)
