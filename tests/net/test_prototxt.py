from pathlib import Path

import pytest

from pyrpudl.net import PrototxtError, infer_shapes, layers_for_phase, parse_net, parse_solver
from pyrpudl.net.prototxt import upgrade_v1_layer
from pyrpudl.proto import rpudl_model_pb2 as pb

CAFFE = Path(__file__).with_name("caffe")


@pytest.mark.parametrize("name", sorted(p.name for p in CAFFE.glob("*.prototxt")))
def test_caffes_example_files_parse_unchanged(name):
    if "solver" in name:
        solver = parse_solver(CAFFE / name)
        assert solver.base_lr > 0 and solver.max_iter > 0
    else:
        assert len(parse_net(CAFFE / name).layer) >= 9


def test_the_quick_solvers_carry_caffes_settings():
    quick = parse_solver(CAFFE / "cifar10_quick_solver.prototxt")
    assert (quick.base_lr, quick.momentum, quick.max_iter, quick.lr_policy) == (
        pytest.approx(0.001),
        pytest.approx(0.9),
        4000,
        "fixed",
    )
    assert quick.weight_decay == pytest.approx(0.004)
    lenet = parse_solver(CAFFE / "lenet_solver.prototxt")
    assert (lenet.lr_policy, lenet.gamma, lenet.power) == ("inv", pytest.approx(0.0001), pytest.approx(0.75))


def test_a_syntax_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "bad.prototxt"
    path.write_text('name: "x"\nlayer {\n  name: "a"\n  typo_field: 3\n}\n')
    with pytest.raises(PrototxtError, match=r"bad.prototxt:4:\d+: .*typo_field"):
        parse_net(path)
    with pytest.raises(PrototxtError, match=r"<prototxt text>:1:\d+"):
        parse_net('layer { name: "a" ')


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(Exception, match="no prototxt file at"):
        parse_net(tmp_path / "nothing.prototxt")


V1_NET = """
name: "v1"
layers { name: "data" type: DATA top: "data" top: "label" include { phase: TRAIN } }
layers {
  name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1"
  blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
  convolution_param { num_output: 4 kernel_size: 3 }
}
layers { name: "loss" type: SOFTMAX_LOSS bottom: "conv1" bottom: "label" top: "loss" }
"""


def test_v1_layers_are_upgraded_to_v2():
    net = parse_net(V1_NET)
    assert [layer.type for layer in net.layer] == ["Data", "Convolution", "SoftmaxWithLoss"]
    conv = net.layer[1]
    assert [(p.lr_mult, p.decay_mult) for p in conv.param] == [(1, 1), (2, 0)]
    assert conv.convolution_param.num_output == 4
    assert net.layer[0].include[0].phase == pb.TRAIN
    assert not net.layers


def test_a_v1_data_layers_transform_settings_move_to_transform_param():
    old = pb.V1LayerParameter(name="d", type=pb.V1LayerParameter.DATA)
    old.data_param.CopyFrom(pb.DataParameter(source="x", scale=0.5, mean_file="m", crop_size=3, mirror=True))
    layer = upgrade_v1_layer(old)
    assert (layer.transform_param.scale, layer.transform_param.mean_file) == (0.5, "m")
    assert (layer.transform_param.crop_size, layer.transform_param.mirror) == (3, True)
    assert layer.data_param.source == "x" and not layer.data_param.HasField("crop_size")


def test_an_unknown_v1_type_keeps_a_name_the_registry_can_reject():
    old = pb.V1LayerParameter(name="s", type=pb.V1LayerParameter.SPLIT)
    assert upgrade_v1_layer(old).type == "Split"


def test_phases_keep_the_right_data_and_accuracy_layers():
    net = parse_net(CAFFE / "cifar10_quick_train_test.prototxt")
    train = [layer.name for layer in layers_for_phase(net, "TRAIN")]
    test = [layer.name for layer in layers_for_phase(net, "TEST")]
    assert train.count("cifar") == 1 and test.count("cifar") == 1
    assert "accuracy" in test and "accuracy" not in train
    with pytest.raises(Exception, match="choose TRAIN or TEST"):
        layers_for_phase(net, "VALIDATE")


def test_stage_and_level_rules_follow_caffe():
    net = parse_net(
        'layer { name: "a" type: "ReLU" include { stage: "deploy" } }\n'
        'layer { name: "b" type: "ReLU" exclude { min_level: 2 } }'
    )
    assert [layer.name for layer in layers_for_phase(net, "TEST")] == ["b"]
    assert [layer.name for layer in layers_for_phase(net, "TEST", level=2, stages=("deploy",))] == ["a"]


def test_infer_shapes_on_the_deploy_nets():
    quick = infer_shapes(layers_for_phase(parse_net(CAFFE / "cifar10_quick.prototxt"), "TEST"))
    assert quick.blobs["prob"] == (1, 10)
    assert quick.parameter_count == 145_578


def test_old_net_level_inputs_become_an_input_layer_in_front():
    by_dims = parse_net(
        'name: "old"\ninput: "data"\ninput_dim: 10\ninput_dim: 3\ninput_dim: 32\ninput_dim: 32\n'
        'layer { name: "relu" type: "ReLU" bottom: "data" top: "data" }'
    )
    by_shape = parse_net(
        'input: "data"\ninput_shape { dim: [10, 3, 32, 32] }\nlayers { name: "relu" type: RELU }'
    )
    for net in (by_dims, by_shape):
        assert [(layer.name, layer.type) for layer in net.layer] == [("input", "Input"), ("relu", "ReLU")]
        assert list(net.layer[0].top) == ["data"]
        assert list(net.layer[0].input_param.shape[0].dim) == [10, 3, 32, 32]
        assert not net.input and not net.input_dim and not net.input_shape
    with pytest.raises(PrototxtError, match="1 input.* need 4 input_dim values .* not 3"):
        parse_net('input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 32')


def test_v1_shared_parameter_names_and_contrastive_settings_carry_over():
    net = parse_net(
        """
        layers { name: "a" type: INNER_PRODUCT bottom: "x" top: "a" param: "w" param: "b"
                 blobs_lr: 1 blobs_lr: 2 inner_product_param { num_output: 2 } }
        layers { name: "l" type: CONTRASTIVE_LOSS bottom: "a" bottom: "a" bottom: "y" top: "l"
                 contrastive_loss_param { margin: 3 legacy_version: true } }
        """
    )
    ip, loss = net.layer
    assert [(p.name, p.lr_mult) for p in ip.param] == [("w", 1), ("b", 2)]
    assert loss.type == "ContrastiveLoss" and loss.contrastive_loss_param.margin == 3
    assert loss.contrastive_loss_param.legacy_version


def test_v1_parameters_of_the_neuron_slice_and_loss_layers_carry_over():
    net = parse_net(
        """
        layers { name: "p" type: POWER power_param { power: 2 scale: 3 } }
        layers { name: "e" type: EXP exp_param { base: 2 } }
        layers { name: "t" type: THRESHOLD threshold_param { threshold: 0.5 } }
        layers { name: "s" type: SLICE slice_param { slice_point: 2 } }
        layers { name: "h" type: HINGE_LOSS hinge_loss_param { norm: L2 } }
        layers { name: "i" type: INFOGAIN_LOSS infogain_loss_param { source: "H.binaryproto" } }
        """
    )
    p, e, t, s, h, i = net.layer
    assert (p.type, p.power_param.power, p.power_param.scale) == ("Power", 2, 3)
    assert (e.type, e.exp_param.base, t.threshold_param.threshold) == ("Exp", 2, 0.5)
    assert (s.type, list(s.slice_param.slice_point)) == ("Slice", [2])
    assert (h.type, h.hinge_loss_param.norm) == ("HingeLoss", pb.HingeLossParameter.L2)
    assert (i.type, i.infogain_loss_param.source) == ("InfogainLoss", "H.binaryproto")
