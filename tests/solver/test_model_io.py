import numpy as np
import pytest

from pyrpudl.data import create_data_source
from pyrpudl.errors import InputError
from pyrpudl.model import create_model
from pyrpudl.model_io import load_model, save_model
from pyrpudl.solver.trainer import train
from tests.data.files import write_cifar_set
from tests.solver.conftest import LENET, sgd


def test_a_saved_model_loads_and_resumes_exactly(model, tmp_path):
    trained = train(model, batch=4, iterations=3, solver=sgd(), report=False).model
    path = save_model(trained, tmp_path / "lenet.npz")
    loaded = load_model(path, trained.source)
    np.testing.assert_array_equal(loaded.params.data, trained.params.data)
    assert (loaded.iteration, loaded.cursor, loaded.cost_log) == (3, 12, trained.cost_log)
    a = train(trained, batch=4, iterations=2, solver=sgd(), report=False).model
    b = train(loaded, batch=4, iterations=2, solver=sgd(), report=False).model
    np.testing.assert_array_equal(a.params.data, b.params.data)
    with np.load(path, allow_pickle=False) as stored:  # no pickled objects inside
        assert all(stored[name].dtype != object for name in stored.files)


def test_loading_checks_the_file_and_the_data_source(model, tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(InputError, match="is not a saved pyrpudl model"):
        load_model(tmp_path / "junk.npz", model.source)
    path = save_model(model, tmp_path / "m.npz")
    write_cifar_set(tmp_path / "cifar")
    cifar = create_data_source("cifar10", tmp_path / "cifar", download=False)
    with pytest.raises(InputError, match=r"trained on images of \[1, 28, 28\]"):
        load_model(path, cifar)
    assert create_model(LENET, model.source).iteration == 0
