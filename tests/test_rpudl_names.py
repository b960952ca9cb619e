"""The Python module ``pyrpudl.rpudl`` has a twin of every rpudl function the R package exports,
and the twins run: a session typed in Python under R's names."""

import re

import numpy as np

from pyrpudl import rpudl as py
from tests.conftest import ROOT
from tests.net.test_prototxt import CAFFE


def test_every_rpudl_function_of_the_r_package_has_a_python_twin():
    namespace = (ROOT / "r_wrapper" / "rpud" / "NAMESPACE").read_text()
    exported = set(re.findall(r"^export\((rpudl\w*)\)$", namespace, re.M))
    assert len(exported) > 10
    assert exported - set(py.__all__) == set()
    assert all(callable(getattr(py, name)) for name in py.__all__)


def test_the_python_twins_save_load_deploy_extract_and_plot(model, tmp_path, capsys):
    trained = py.rpudlTrain(model, batch=4, iter=2, display=0)
    x, _ = py.rpudlGetTestingDataSamples(model.source, (1, 4))
    again = py.rpudlLoadModel(py.rpudlSaveModel(trained, tmp_path / "m.npz"), model.source)
    assert again.cost_log == trained.cost_log
    weights = py.rpudlSaveModel(trained, tmp_path / "m.caffemodel")
    deployed = py.rpudl(CAFFE / "lenet.prototxt", weights=weights)
    probabilities = py.rpudlExtractFeatures(deployed, py.rpudlNetInput(trained, x), "prob")
    want = py.rpudlExtractFeatures(trained, x, "ip2")
    want = np.exp(want - want.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probabilities, want / want.sum(axis=1, keepdims=True), rtol=1e-5)
    py.rpudlPlotLayerWeights(py.rpudlGetLayerWeights(trained, "conv1")).save(
        tmp_path / "filters.png", verbose=False
    )
    assert (tmp_path / "filters.png").stat().st_size > 1000
    assert py.rpudlInfo()["python"] and "CUDA" in capsys.readouterr().out
    py.rpudl(CAFFE / "lenet.prototxt")
    assert "deploy net without weights= predicts with its fillers' initial values" in capsys.readouterr().out
