"""Caffe's HDF5Data layer: a net that names its HDF5 files trains on them without a data source,
as a classifier (whole-number labels) or a regression (real-valued targets of any shape), tests on
its TEST files, resumes exactly, and says what is wrong with files that do not fit."""

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from pyrpudl.errors import InputError  # noqa: E402
from pyrpudl.extract import extract_features  # noqa: E402
from pyrpudl.model import create_model, predict  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.snapshot import restore_snapshot  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402
from tests.data.hdf5_files import MAP, WEIGHTS, hdf5_net, write_hdf5_lists  # noqa: E402


def solver(rate=0.1, **settings) -> pb.SolverParameter:
    return pb.SolverParameter(base_lr=rate, momentum=0.9, lr_policy="fixed", **settings)


def model_in(tmp_path, text: str, **kwargs):
    write_hdf5_lists(tmp_path)
    prototxt = tmp_path / "net.prototxt"
    prototxt.write_text(text)
    return create_model(prototxt, **kwargs)


def test_the_files_listed_become_the_training_and_test_sets(tmp_path):
    model = model_in(tmp_path, hdf5_net())
    source = model.source
    assert source.train_images.shape == (120, 4) and source.test_images.shape == (40, 4)
    assert source.train_images.dtype == np.float32 and source.target_shape is None
    with h5py.File(tmp_path / "train1.h5", "r") as file:  # the second file's rows follow the first's
        np.testing.assert_array_equal(source.train_images[60:], file["data"][()])
    features = source.train_images.astype(np.float64)
    np.testing.assert_array_equal(source.train_labels, (features @ WEIGHTS > 0).astype(np.int32))
    assert "120 examples, test: 40 examples, each 4, float32" in source.summary()


def test_a_classifier_learns_its_labels_and_tests_on_the_test_files(tmp_path):
    model = model_in(tmp_path, hdf5_net())
    lines = []
    trained = train(model, batch=10, iterations=200, solver=solver(test_interval=100), report=lines.append,
                    display=100).model  # fmt: skip
    assert lines[-2].startswith("testing @iter 200") and "on 40 test examples" in lines[-2]
    assert trained.test_log[-1][2] >= 0.9
    test = model.source
    assert np.mean(predict(trained, test.test_images) == test.test_labels) >= 0.9


def test_a_regression_learns_targets_of_several_values(tmp_path):
    model = model_in(tmp_path, hdf5_net("target", "EuclideanLoss", outputs=2))
    assert model.source.target_shape == (2,) and "targets: 2 per example" in model.source.summary()
    trained = train(
        model, batch=10, iterations=300, solver=solver(0.05, test_interval=300), report=False
    ).model
    assert trained.cost_log[-1] < 1e-3 * trained.cost_log[0]
    assert trained.test_log[-1][1] < 1e-3
    found = extract_features(trained, model.source.test_images, "fc")
    np.testing.assert_allclose(found, model.source.test_images @ MAP.astype(np.float32), atol=1e-2)
    with pytest.raises(InputError, match="scores no classes"):
        predict(trained, model.source.test_images)


def test_a_shuffled_run_resumed_from_a_snapshot_equals_the_uninterrupted_one(tmp_path):
    model = model_in(tmp_path, hdf5_net("target", "EuclideanLoss", extra="shuffle: true"))
    assert model.source.shuffle
    prefix = str(tmp_path / "snap" / "r")
    whole = train(model, batch=10, iterations=30, solver=solver(0.01), report=False, snapshot=15,
                  snapshot_prefix=prefix).model  # fmt: skip
    resumed = train(restore_snapshot(model, prefix + "_iter_15.solverstate"), batch=10, iterations=15,
                    solver=solver(0.01), report=False).model  # fmt: skip
    np.testing.assert_array_equal(resumed.params.data, whole.params.data)
    assert resumed.cost_log == whole.cost_log


def test_files_that_do_not_fit_the_net_say_what_is_wrong(tmp_path):
    write_hdf5_lists(tmp_path)
    cases = [
        (hdf5_net("answer"), r"train0.h5 has no dataset 'answer' .*\(it holds data, label, target\)"),
        (hdf5_net("target"), "the net classifies, so 'target' must hold classes 0, 1, 2"),
        (hdf5_net().replace("test.txt", "nowhere.txt"), "the HDF5Data source 'nowhere.txt' is not there"),
        (hdf5_net().replace('batch_size: 10 }', 'batch_size: 10 } transform_param { scale: 2 }', 1),
         "has a transform_param; Caffe's HDF5Data transforms nothing"),
    ]  # fmt: skip
    for text, message in cases:
        (tmp_path / "net.prototxt").write_text(text)
        with pytest.raises(InputError, match=message):
            create_model(tmp_path / "net.prototxt")
    with h5py.File(tmp_path / "test.h5", "a") as file:
        del file["label"]
        file["label"] = np.full(40, 0.5, np.float32)
    (tmp_path / "net.prototxt").write_text(hdf5_net())
    with pytest.raises(InputError, match="must hold classes 0, 1, 2, ...; it holds other values"):
        create_model(tmp_path / "net.prototxt")
    with h5py.File(tmp_path / "test.h5", "a") as file:  # maps of classes in one phase only
        del file["label"]
        file["label"] = np.ones((40, 3), np.float32)
    with pytest.raises(InputError, match="reads labels of one class each but the TEST layer .* label maps 3"):
        create_model(tmp_path / "net.prototxt")
    for name in ("train0.h5", "train1.h5"):  # maps in both, but not of the scores' shape
        with h5py.File(tmp_path / name, "a") as file:
            del file["label"]
            file["label"] = np.ones((60, 3), np.float32)
    with pytest.raises(
        InputError, match=r"3 labels \(1, 3\) for scores of shape \(1, 2\); .*one per position"
    ):
        create_model(tmp_path / "net.prototxt")
    (tmp_path / "train.txt").write_text("train0.h5\nmissing.h5\n")
    with pytest.raises(InputError, match="train.txt lists missing.h5, which is neither there nor beside"):
        create_model(tmp_path / "net.prototxt")


def test_a_saved_hdf5_model_loads_without_a_data_source(tmp_path, monkeypatch):
    from pyrpudl.model_io import load_model, save_model

    model = model_in(tmp_path, hdf5_net("target", "EuclideanLoss"))
    trained = train(model, batch=10, iterations=5, solver=solver(0.01), report=False).model
    saved = save_model(trained, tmp_path / "m.npz")
    monkeypatch.chdir(tmp_path)  # the prototxt kept in the file names its lists relative to here
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.params.data, trained.params.data)
    assert loaded.source.target_shape == (2,) and loaded.cursor == trained.cursor


def test_a_v1_net_of_hdf5_data_layers_reads_its_files(tmp_path):
    v1 = """
    layers { name: "data" type: HDF5_DATA top: "data" top: "label"
             hdf5_data_param { source: "train.txt" batch_size: 5 } }
    layers { name: "fc" type: INNER_PRODUCT bottom: "data" top: "fc" inner_product_param { num_output: 2 } }
    layers { name: "loss" type: SOFTMAX_LOSS bottom: "fc" bottom: "label" top: "loss" }
    """
    model = model_in(tmp_path, v1)
    assert model.data_layer("TRAIN").hdf5_data_param.batch_size == 5
    # one layer for both phases: the TEST net reads the same files, as Caffe's would
    assert model.source.train_images.shape == model.source.test_images.shape == (120, 4)


def test_a_segmentation_learns_its_label_maps_one_class_per_pixel(tmp_path):
    from tests.data.hdf5_files import write_label_maps

    model = create_model(write_label_maps(tmp_path), seed=0)
    source = model.source
    assert source.label_maps and source.target_shape == (6, 6) and source.train_targets.dtype == np.int32
    assert "label maps: 6 x 6 per example, 2 classes" in source.summary()
    lines = []
    trained = train(model, batch=4, iterations=60, solver=solver(0.5, test_interval=60), report=lines.append,
                    display=30).model  # fmt: skip
    assert "accuracy" not in lines[1]  # the batch accuracy of label maps is the TEST net's to count
    assert trained.test_log[-1][2] >= 0.95  # the TEST net's Accuracy: right pixels
    scores = extract_features(trained, source.test_images, "score")
    assert np.mean(scores.argmax(axis=1) == source.test_targets) >= 0.95
    with pytest.raises(
        InputError, match="scores 2 classes at each of 6 x 6 positions .*rpudlExtractFeatures"
    ):
        predict(trained, source.test_images)
