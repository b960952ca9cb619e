"""Caffe's ``caffe time`` (pyrpudl.timing, ``pyrpudl time``): every layer of the training net timed
forward and backward, the model left as it was."""

import numpy as np
import pytest

from pyrpudl import cli
from pyrpudl.errors import InputError
from pyrpudl.model import create_model
from pyrpudl.timing import time_model
from tests.data.files import write_idx_set
from tests.solver.conftest import LENET

LENET_LAYERS = ["conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "loss"]


def test_every_layer_is_timed_in_net_order_and_the_totals_add_up(model):
    timing = time_model(model, batch=4, iterations=3, device="cpu")
    assert [layer.name for layer in timing.layers] == LENET_LAYERS
    assert [layer.type for layer in timing.layers][:2] == ["Convolution", "Pooling"]
    assert all(layer.forward_ms > 0 and layer.backward_ms > 0 for layer in timing.layers)
    assert len(timing.passes_ms) == 3 and (timing.batch, timing.device) == (4, "cpu")
    assert timing.total_ms >= timing.forward_ms  # medians of each pass's sums
    first_forward = timing.passes_ms[0][0]
    assert first_forward > 0
    lines = str(timing).splitlines()
    assert lines[0] == "Timing LeNet: 3 iterations of batch 4 on cpu."
    assert lines[2].split() == ["conv1", "forward:", f"{timing.layers[0].forward_ms:.3f}", "ms."]
    assert lines[-2].startswith("Median Forward-Backward: ")


def test_a_frozen_layer_over_the_data_is_not_run_backward(model):
    text = LENET.read_text()
    start = text.index('name: "conv1"')
    end = text.index("convolution_param", start)
    frozen = text[:start] + text[start:end].replace("lr_mult: 1", "lr_mult: 0").replace(
        "lr_mult: 2", "lr_mult: 0"
    )
    timing = time_model(create_model(frozen + text[end:], model.source), batch=2, iterations=2, device="cpu")
    conv1 = timing.layers[0]
    assert conv1.name == "conv1" and conv1.backward_ms is None and conv1.forward_ms > 0
    assert "conv1 backward: not run" in str(timing)


def test_the_model_is_left_as_it_was(model):
    """BatchNorm's statistics move in a training pass: the timing passes run on a copy."""
    text = LENET.read_text().replace(
        'layer {\n  name: "pool1"',
        'layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" }\nlayer {\n  name: "pool1"',
    )
    with_norm = create_model(text, model.source, seed=1)
    before = with_norm.params.data.copy()
    time_model(with_norm, batch=4, iterations=2, device="cpu")
    assert np.array_equal(with_norm.params.data, before)
    assert with_norm.iteration == 0 and with_norm.cost_log == []


def test_bad_requests_say_what_is_wrong(model):
    with pytest.raises(InputError, match="iterations must be at least 1"):
        time_model(model, iterations=0)
    with pytest.raises(InputError, match="at least one example"):
        time_model(model, batch=0)


def test_the_command_prints_caffes_report(tmp_path, capsys):
    write_idx_set(tmp_path / "mnist", n_train=6, n_test=2)
    args = ["time", str(LENET), "mnist", str(tmp_path / "mnist"), "--iterations", "2", "--batch", "3"]
    assert cli.main(args + ["--device", "cpu"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "computing the mean of 6 training images"
    assert out[1] == "Timing LeNet: 2 iterations of batch 3 on cpu."
    assert sum("forward:" in line for line in out) == len(LENET_LAYERS)
    assert out[-1].startswith("Total Time: ")
    assert cli.main(["time", str(LENET)]) == 2
    assert "pyrpudl time net.prototxt mnist data/mnist" in capsys.readouterr().err


def test_a_deploy_net_is_timed_forward_on_random_inputs():
    """As caffe time times a deploy file: its Input's shape (or the batch asked for), no backward."""
    deploy = create_model(LENET.with_name("lenet.prototxt"))
    timing = time_model(deploy, batch=3, iterations=2, device="cpu")
    assert [layer.name for layer in timing.layers] == [
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "ip1",
        "relu1",
        "ip2",
        "prob",
    ]
    assert all(layer.forward_ms > 0 and layer.backward_ms is None for layer in timing.layers)
    assert timing.batch == 3 and timing.backward_ms == 0
    assert time_model(deploy, iterations=1, device="cpu").batch == 64  # the Input's own
