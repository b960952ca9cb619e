"""A Python layer on the CUDA backend: its blobs (learned ones too) copied to the host and back, the
same values and gradients as on the CPU; on a real GPU, training with one (no CUDA graph) as on the CPU."""

import numpy as np
import pytest

from pyrpudl.backend import get_backend
from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from tests.cuda.conftest import assert_close
from tests.net.test_python_layer import LOSS_NET, layer_files, python_layer  # noqa: F401 (a fixture)

NET = LOSS_NET.replace('top: "y"', 'top: "z"').replace("{loss}", "{relu}\n{loss}")


def test_a_python_layer_gives_the_same_values_and_gradients_on_both_backends(layer_files):  # noqa: F811
    loss = python_layer("loss", "EuclideanLossLayer", ["y", "t"], "loss", "loss_weight: 1")
    # a Scale with learned blobs, then a ReLU, both in Python
    layers = python_layer("scale", "Scale", ["z"], "s") + "\n" + python_layer("relu", "ReLU", ["s"], "y")
    spec = parse_net(NET.format(relu=layers, loss=loss))
    on_cpu = Net(spec, "TRAIN", None, 3, seed=0)
    on_cuda = Net(spec, "TRAIN", None, 3, params=on_cpu.params.to(get_backend("cuda")))
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 2)).astype(np.float32)
    losses = []
    for net in (on_cpu, on_cuda):
        blobs = net.forward({"x": net.backend.to_device(x), "t": net.backend.to_device(t)}, train=True)
        net.backward()
        losses.append(net.loss(blobs))
    assert losses[1] == pytest.approx(losses[0], rel=1e-5) and losses[0] > 0
    assert_close(on_cuda.backend.to_host(on_cuda.params.diff), on_cpu.params.diff)
    assert on_cpu.params.weights("scale", 0).shape == (2,) and on_cpu.params.gradient("scale", 0).any()


@pytest.mark.gpu
def test_lenet_with_a_python_relu_trains_alike_on_both_backends(model, layer_files):  # noqa: F811
    from pyrpudl.model import create_model
    from pyrpudl.solver.trainer import train
    from tests.net.test_python_layer import with_python_relus
    from tests.solver.conftest import LENET, sgd

    text = with_python_relus(LENET.read_text())
    runs = [
        train(create_model(text, model.source, seed=1), batch=4, iterations=20, solver=sgd(), report=False,
              device=device).model
        for device in ("cpu", "cuda")
    ]  # fmt: skip
    np.testing.assert_allclose(runs[1].cost_log, runs[0].cost_log, rtol=1e-3)
