"""Seed 000's data steps, typed in Python under the R names."""

import numpy as np

from pyrpudl.rpudl import (
    rpudlConvertToLMDB,
    rpudlCreateDataSource,
    rpudlFindTrainingDataMean,
    rpudlGetTestingDataSamples,
    rpudlLoadTrainingDataMean,
    rpudlWriteLMDB,
)
from tests.data.files import write_cifar_set


def test_the_seed_session_data_steps_in_python(tmp_path, capsys):
    _, test = write_cifar_set(tmp_path / "cifar")
    ds = rpudlCreateDataSource("cifar10", tmp_path / "cifar")
    assert rpudlFindTrainingDataMean(ds, "cifar10-data.mean") == tmp_path / "cifar" / "cifar10-data.mean"
    assert "computing the mean" in capsys.readouterr().out
    assert rpudlLoadTrainingDataMean(ds, "cifar10-data.mean") == tmp_path / "cifar" / "cifar10-data.mean"
    x, y = rpudlGetTestingDataSamples(ds, (1, 2))
    np.testing.assert_array_equal(x, test[:2, 1:])
    np.testing.assert_array_equal(y, test[:2, 0])
    train_db, test_db = rpudlConvertToLMDB(ds, tmp_path / "lmdb")
    assert train_db.name == "cifar10_train_lmdb"
    path = rpudlWriteLMDB(x, y, tmp_path / "mine", shape=(3, 32, 32), format="rpudl")
    assert (path / "data.mdb").is_file()


def test_the_seed_session_model_steps_in_python(tmp_path, capsys):
    from pyrpudl.model import predict
    from pyrpudl.rpudl import rpudl, rpudlGetLayerWeights, rpudlTrain
    from tests.data.files import write_idx_set
    from tests.solver.conftest import LENET

    write_idx_set(tmp_path, n_train=8, n_test=3)
    ds = rpudlCreateDataSource("mnist", tmp_path, download=False)
    model = rpudl(LENET, ds)
    trained = rpudlTrain(model, batch=4, iter=2, learning_rate=0.01, display=1)
    assert "training @iter 2" in capsys.readouterr().out
    assert trained.iteration == 2 and model.iteration == 0
    assert rpudlGetLayerWeights(trained, "conv1").shape == (20, 1, 5, 5)
    x, _ = rpudlGetTestingDataSamples(ds, (1, 3))
    assert predict(trained, x).shape == (3,)
    tested = rpudlTrain(model, batch=4, iter=2, display=0, test_interval=1)
    assert [it for it, _, _ in tested.test_log] == [0, 1, 2]
    assert "testing @iter 2, cost " in capsys.readouterr().out
