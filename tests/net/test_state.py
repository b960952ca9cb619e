"""Stages resolved once per model: the TEST net Caffe's solver test_state would build."""

from pyrpudl.net.prototxt import parse_net
from pyrpudl.net.state import default_test_stages, layers_for_phase, resolve_stages

NET = """
layer { name: "train" type: "Data" top: "data" include { phase: TRAIN } }
layer { name: "on-train" type: "Data" top: "data" include { phase: TEST stage: "test-on-train" } }
layer { name: "on-test" type: "Data" top: "data" include { phase: TEST stage: "test-on-test" } }
layer { name: "both" type: "ReLU" bottom: "data" top: "data" }
layer { name: "not-deploy" type: "ReLU" bottom: "data" top: "data" exclude { stage: "deploy" } }
layer { name: "deep" type: "ReLU" bottom: "data" top: "data" include { min_level: 1 } }
"""


def names(net, phase):
    return [layer.name for layer in layers_for_phase(net, phase)]


def test_the_first_staged_test_data_layer_is_the_default():
    net = parse_net(NET)
    assert default_test_stages(net) == ("test-on-train",)
    resolved = resolve_stages(net, default_test_stages(net))
    assert names(resolved, "TRAIN") == ["train", "both", "not-deploy"]
    assert names(resolved, "TEST") == ["on-train", "both", "not-deploy"]


def test_chosen_stages_pick_the_layers_and_rules_end_up_naming_phases_only():
    resolved = resolve_stages(parse_net(NET), ("test-on-test", "deploy"))
    assert names(resolved, "TEST") == ["on-test", "both"]
    assert names(resolved, "TRAIN") == ["train", "both", "not-deploy"]
    for layer in resolved.layer:
        assert all(not rule.stage and not rule.not_stage for rule in (*layer.include, *layer.exclude))


def test_a_net_with_a_plain_test_data_layer_takes_no_stage():
    net = parse_net('layer { name: "d" type: "Data" top: "data" include { phase: TEST } }' + NET)
    assert default_test_stages(net) == ()
