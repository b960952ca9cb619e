"""Caffe's Python layers: layer files written for pycaffe (``import caffe``, ``caffe.Layer``) run
unchanged in training and prediction, get their param_str and phase, and every way such a layer
can go wrong is named; a layer that raises mid-training leaves the iterations before it."""

import sys

import numpy as np
import pytest

from pyrpudl import pycaffe
from pyrpudl.errors import InputError, LayerCodeError
from pyrpudl.model import create_model, predict
from pyrpudl.net import parse_net
from pyrpudl.net.caffemodel import load_weights, save_weights
from pyrpudl.net.net import Net
from pyrpudl.solver.trainer import train
from tests.solver.conftest import LENET, sgd

LAYERS = '''
import caffe
import numpy as np


class ReLU(caffe.Layer):
    """Caffe's ReLU, in Python."""

    def setup(self, bottom, top):
        if len(bottom) != 1:
            raise Exception("ReLU takes one bottom")

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        top[0].data[...] = np.maximum(bottom[0].data, 0)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            bottom[0].diff[...] = top[0].diff * (bottom[0].data > 0)


class EuclideanLossLayer(caffe.Layer):
    """Caffe's own example (examples/pycaffe/layers/pyloss.py), as its users write it."""

    def setup(self, bottom, top):
        if len(bottom) != 2:
            raise Exception("Need two inputs to compute distance.")

    def reshape(self, bottom, top):
        if bottom[0].count != bottom[1].count:
            raise Exception("Inputs must have the same dimension.")
        self.diff = np.zeros_like(bottom[0].data, dtype=np.float32)
        top[0].reshape(1)

    def forward(self, bottom, top):
        self.diff[...] = bottom[0].data - bottom[1].data
        top[0].data[...] = np.sum(self.diff**2) / bottom[0].num / 2.

    def backward(self, top, propagate_down, bottom):
        for i in range(2):
            if not propagate_down[i]:
                continue
            sign = 1 if i == 0 else -1
            bottom[i].diff[...] = sign * self.diff / bottom[i].num


class Scaled(caffe.Layer):
    """y = factor · x, the factor from param_str; remembers the phases it was made in."""

    phases = []  # of every instance made

    def setup(self, bottom, top):
        self.factor = float(self.param_str)
        Scaled.phases.append(self.phase)

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        top[0].data[...] = self.factor * bottom[0].data

    def backward(self, top, propagate_down, bottom):
        bottom[0].diff[...] = self.factor * top[0].diff


class FailsInTest(Scaled):
    def forward(self, bottom, top):
        if self.phase == caffe.TEST:
            raise ValueError("no test data for me")
        super().forward(bottom, top)


class Grows(Scaled):
    """One row more at each reshape after the first (as a layer that reshapes per batch would)."""

    def reshape(self, bottom, top):
        self.calls = getattr(self, "calls", 0) + 1
        top[0].reshape(bottom[0].num + (self.calls > 1), *bottom[0].shape[1:])


class Scale(caffe.Layer):
    """Caffe's Scale with a bias (y = x · gamma[c] + beta[c] over axis 1), its two learned blobs
    added in setup: gamma starting at 1, beta at 0."""

    def setup(self, bottom, top):
        channels = bottom[0].shape[1]
        self.blobs.add_blob(channels)
        self.blobs.add_blob(channels)
        self.blobs[0].data[...] = 1

    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].shape)

    def forward(self, bottom, top):
        top[0].data[...] = bottom[0].data * self.blobs[0].data + self.blobs[1].data

    def backward(self, top, propagate_down, bottom):
        self.blobs[0].diff[...] = (top[0].diff * bottom[0].data).sum(axis=0)
        self.blobs[1].diff[...] = top[0].diff.sum(axis=0)
        if propagate_down[0]:
            bottom[0].diff[...] = top[0].diff * self.blobs[0].data


class Assigns(Scaled):
    def forward(self, bottom, top):
        top[0].data = bottom[0].data
'''


@pytest.fixture
def layer_files(tmp_path, monkeypatch):
    """user_layers.py in the working directory, as Caffe's users keep theirs (PYTHONPATH=.)."""
    (tmp_path / "user_layers.py").write_text(LAYERS)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    sys.modules.pop("user_layers", None)


def python_layer(name: str, cls: str, bottoms, top: str, extra: str = "") -> str:
    reads = " ".join(f'bottom: "{b}"' for b in bottoms)
    return (
        f'layer {{ name: "{name}" type: "Python" {reads} top: "{top}" {extra} '
        f'python_param {{ module: "user_layers" layer: "{cls}" }} }}'
    )


def with_python_relus(text: str) -> str:
    relu = 'layer {\n  name: "relu1"\n  type: "ReLU"\n  bottom: "ip1"\n  top: "ip1"\n}'
    assert relu in text
    return text.replace(relu, python_layer("relu1", "ReLU", ["ip1"], "relu1")).replace(
        'bottom: "ip1"\n  top: "ip2"', 'bottom: "relu1"\n  top: "ip2"'
    )


def test_lenet_with_a_relu_written_in_python_trains_as_with_caffes(model, layer_files):
    runs = [
        train(
            create_model(text, model.source, seed=1), batch=4, iterations=4, solver=sgd(), report=False
        ).model
        for text in (LENET.read_text(), with_python_relus(LENET.read_text()))
    ]
    assert "Python" in {layer.type for layer in runs[1].spec.layer}
    np.testing.assert_allclose(runs[1].cost_log, runs[0].cost_log, rtol=1e-6)
    np.testing.assert_allclose(runs[1].params.data, runs[0].params.data, rtol=1e-5, atol=1e-7)
    images = model.source.test_images[:4]
    np.testing.assert_allclose(predict(runs[1], images, "prob"), predict(runs[0], images, "prob"), rtol=1e-5)


LOSS_NET = """
layer {{ name: "in" type: "Input" top: "x" top: "t"
        input_param {{ shape {{ dim: [3, 4] }} shape {{ dim: [3, 2] }} }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "x" top: "y"
        inner_product_param {{ num_output: 2 weight_filler {{ type: "gaussian" std: 1 }} }} }}
{loss}
"""


def test_caffes_python_loss_example_gives_the_euclidean_loss_and_its_gradients(layer_files):
    x, t = np.random.default_rng(0).standard_normal((3, 4)), np.random.default_rng(1).standard_normal((3, 2))
    nets = [
        Net(parse_net(LOSS_NET.format(loss=loss)), "TRAIN", None, 3, seed=0, dtype=np.float64)
        for loss in (
            'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }',
            python_layer("loss", "EuclideanLossLayer", ["y", "t"], "loss", "loss_weight: 1"),
        )
    ]
    losses = []
    for net in nets:
        blobs = net.forward({"x": x, "t": t}, train=True)
        net.backward()
        losses.append(net.loss(blobs))
    assert losses[1] == pytest.approx(losses[0], rel=1e-6) and losses[0] > 0
    np.testing.assert_allclose(nets[1].params.diff, nets[0].params.diff, rtol=1e-6)


SCALED_NET = """
layer {{ name: "in" type: "Input" top: "x" input_param {{ shape {{ dim: [2, 3] }} }} }}
{layer}
"""


def scaled_net(cls="Scaled", param_str="2.5", phase="TEST"):
    layer = python_layer("s", cls, ["x"], "y").replace("} }", f'param_str: "{param_str}" }} }}')
    return Net(parse_net(SCALED_NET.format(layer=layer)), phase, None, 2, seed=0)


def test_param_str_and_the_phase_reach_the_layer(layer_files):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for phase, code in (("TRAIN", pycaffe.TRAIN), ("TEST", pycaffe.TEST)):
        net = scaled_net(phase=phase)
        np.testing.assert_array_equal(net.forward({"x": x}, train=phase == "TRAIN")["y"], 2.5 * x)
        made = net.layers[-1].instance.code
        assert made.phase == code and made.param_str == "2.5" and made.factor == 2.5
        assert type(made).phases[-1] == code  # setup saw the phase already
    assert sys.modules["caffe"] is pycaffe


@pytest.mark.parametrize(
    ("python_param", "message"),
    [
        ('module: "no_such_file" layer: "X"',
         r"no module 'no_such_file' to import; put no_such_file.py in the working directory"),
        ('module: "user_layers" layer: "Missing"',
         r"module 'user_layers' \(.*user_layers.py\) has no class 'Missing'"),
        ('module: "user_layers"', r"needs python_param \{ module: \"file\" layer: \"Class\" \}"),
        ('module: "user_layers" layer: "Scaled" param_str: "two"',
         r"\(Python layer user_layers.Scaled\) raised ValueError in setup\(\): could not convert"),
    ],
)  # fmt: skip
def test_a_python_layer_that_cannot_be_made_says_why(layer_files, python_param, message):
    text = SCALED_NET.format(
        layer=f'layer {{ name: "s" type: "Python" bottom: "x" top: "y" python_param {{ {python_param} }} }}'
    )
    with pytest.raises(LayerCodeError, match=message):
        Net(parse_net(text), "TEST", None, 2, seed=0)


def test_a_top_must_keep_its_shape_and_be_written_in_place(layer_files):
    x = np.ones((2, 3), np.float32)
    with pytest.raises(
        LayerCodeError,
        match=r"raised ValueError in reshape\(\): a blob of shape \[2, 3\] cannot become \[3, 3\]",
    ):
        scaled_net("Grows").forward({"x": x}, train=False)
    with pytest.raises(
        LayerCodeError, match=r"in forward\(\): a blob's data is written in place.*data\[\.\.\.\] = values"
    ):
        scaled_net("Assigns").forward({"x": x}, train=False)


def test_a_layer_that_raises_mid_training_stops_it_and_keeps_the_iterations_before(model, layer_files):
    """FailsInTest raises in the first test pass (after iteration 2): the model of iteration 2 is kept."""
    layer = python_layer("relu1", "FailsInTest", ["ip1"], "relu1").replace("} }", 'param_str: "1" } }')
    text = with_python_relus(LENET.read_text()).replace(
        python_layer("relu1", "ReLU", ["ip1"], "relu1"), layer
    )
    solver = sgd()
    solver.test_interval, solver.test_iter[:], solver.test_initialization = 2, [1], False
    lines = []
    outcome = train(
        create_model(text, model.source, seed=1), batch=4, iterations=6, solver=solver, report=lines.append
    )
    assert outcome.model.iteration == 2
    assert (
        "raised ValueError in forward(): no test data for me; kept the model of iteration 2"
        in outcome.stopped
    )
    assert any(
        line.startswith("training stopped: layer 'relu1' (Python layer user_layers.FailsInTest)")
        for line in lines
    )
    two = train(
        create_model(text, model.source, seed=1), batch=4, iterations=2, solver=sgd(), report=False
    ).model
    np.testing.assert_allclose(outcome.model.params.data, two.params.data, rtol=1e-6)


def with_scale_after_ip1(text: str, scale: str) -> str:
    text = with_python_relus(text)
    return text.replace('bottom: "relu1"\n  top: "ip2"', 'bottom: "scaled"\n  top: "ip2"').replace(
        python_layer("relu1", "ReLU", ["ip1"], "relu1"),
        python_layer("relu1", "ReLU", ["ip1"], "relu1") + "\n" + scale,
    )


def test_a_layer_with_learned_blobs_trains_saves_and_loads_as_caffes_scale(model, layer_files, tmp_path):
    caffes = (
        'layer { name: "scale" type: "Scale" bottom: "relu1" top: "scaled" scale_param { bias_term: true } }'
    )
    texts = [
        with_scale_after_ip1(LENET.read_text(), layer)
        for layer in (caffes, python_layer("scale", "Scale", ["relu1"], "scaled"))
    ]
    made = [create_model(text, model.source, seed=1) for text in texts]
    first = made[1].params.weights("scale", 0), made[1].params.weights("scale", 1)
    assert first[0].shape == first[1].shape == (500,) and (first[0] == 1).all() and not first[1].any()
    runs = [train(m, batch=4, iterations=4, solver=sgd(), report=False).model for m in made]
    np.testing.assert_allclose(runs[1].cost_log, runs[0].cost_log, rtol=1e-6)
    np.testing.assert_allclose(runs[1].params.data, runs[0].params.data, rtol=1e-5, atol=1e-7)
    assert not np.array_equal(runs[1].params.weights("scale", 0), first[0])  # the solver moved gamma
    loaded, _ = load_weights(made[1], save_weights(runs[1], tmp_path / "python.caffemodel"))
    images = model.source.test_images[:4]
    np.testing.assert_array_equal(predict(loaded, images, "prob"), predict(runs[1], images, "prob"))


@pytest.mark.parametrize("kind", ["Python", "DummyData"])
def test_a_net_that_would_feed_itself_is_refused_with_what_to_use(model, layer_files, kind):
    text = (
        f'layer {{ name: "feed" type: "{kind}" top: "data" top: "label" }}\n'
        'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"\n'
        "        inner_product_param { num_output: 2 } }\n"
        'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }'
    )
    with pytest.raises(
        InputError, match=rf"layer 'feed' \({kind}, no bottoms\) would feed the net itself.*MemoryData"
    ):
        create_model(text, model.source)


def test_a_layer_file_beside_the_prototxt_is_found(model, tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "beside_layers.py").write_text(LAYERS)
    prototxt = folder / "lenet.prototxt"
    prototxt.write_text(with_python_relus(LENET.read_text()).replace('"user_layers"', '"beside_layers"'))
    monkeypatch.chdir(tmp_path)  # not the layer file's folder
    try:
        made = create_model(prototxt, model.source, seed=1)
        trained = train(made, batch=4, iterations=2, solver=sgd(), report=False).model
    finally:
        sys.modules.pop("beside_layers", None)
    assert len(trained.cost_log) == 2 and np.isfinite(trained.cost_log).all()
