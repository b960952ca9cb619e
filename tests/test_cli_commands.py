"""``pyrpudl train`` and ``pyrpudl convert`` on small data sets the tests write themselves."""

from pathlib import Path

from pyrpudl import cli
from pyrpudl.data import create_data_source
from tests.data.files import write_idx_set

LENET = Path(__file__).resolve().parents[1] / "r_wrapper" / "rpud" / "inst" / "rpudl" / "lenet_train.prototxt"


def test_train_saves_a_model_and_reports_accuracy(tmp_path, capsys):
    write_idx_set(tmp_path / "mnist", n_train=8, n_test=4)
    args = ["train", str(LENET), "mnist", str(tmp_path / "mnist"), "--iterations", "3", "--batch", "4"]
    code = cli.main(args + ["--display", "1", "--learning-rate", "0.01", "--output", str(tmp_path / "m.npz")])
    out = capsys.readouterr().out
    assert code == 0
    assert "training @iter 3, cost" in out and "test accuracy on the first 4 test images" in out
    assert (tmp_path / "m.npz").is_file() and (tmp_path / "mnist" / "mean.binaryproto").is_file()


def test_train_reports_an_autoencoders_test_cost(tmp_path, capsys):
    """A net without classes: its TEST losses on the test images instead of an accuracy, and its
    targets are the pixels although the command computes the source's mean image."""
    write_idx_set(tmp_path / "mnist", n_train=8, n_test=4)
    net = LENET.with_name("autoencoder_train.prototxt")
    args = ["train", str(net), "mnist", str(tmp_path / "mnist"), "--iterations", "2", "--batch", "4"]
    assert cli.main(args + ["--display", "1", "--learning-rate", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "training @iter 2, cost " in out and "accuracy" not in out
    cost = float(out.split("testing @iter 2, cost ")[1].split()[0])
    assert cost > 0 and "on 4 test images; l2_error = " in out


def test_convert_writes_lmdb_that_reads_back(tmp_path, capsys):
    write_idx_set(tmp_path / "mnist", n_train=5, n_test=3)
    assert cli.main(["convert", "mnist", str(tmp_path / "mnist"), str(tmp_path / "db")]) == 0
    written = [line.split()[-1] for line in capsys.readouterr().out.splitlines()]
    back = create_data_source("lmdb", tmp_path / "db", train_db=written[0], test_db=written[1])
    assert len(back.train_images) == 5 and len(back.test_images) == 3


def test_bad_input_is_a_message_not_a_traceback(tmp_path, capsys):
    assert cli.main(["train", str(LENET), "mnist", str(tmp_path / "none"), "--no-download"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pyrpudl train: ") and "Traceback" not in err


def test_train_takes_a_solver_type_and_refuses_an_unknown_one(tmp_path, capsys):
    from pyrpudl.model_io import load_model

    write_idx_set(tmp_path / "mnist", n_train=8, n_test=4)
    args = ["train", str(LENET), "mnist", str(tmp_path / "mnist"), "--iterations", "2", "--batch", "4"]
    assert cli.main(args + ["--solver-type", "adam", "--output", str(tmp_path / "m.npz")]) == 0
    source = create_data_source("mnist", tmp_path / "mnist", download=False)
    assert load_model(tmp_path / "m.npz", source).history_type == "Adam"
    capsys.readouterr()
    assert cli.main(args + ["--solver-type", "LBFGS"]) == 2
    assert "unknown solver type 'LBFGS'" in capsys.readouterr().err


def test_train_tests_every_test_interval(tmp_path, capsys):
    write_idx_set(tmp_path / "mnist", n_train=8, n_test=4)
    args = ["train", str(LENET), "mnist", str(tmp_path / "mnist"), "--iterations", "4", "--batch", "4"]
    assert cli.main(args + ["--display", "2", "--test-interval", "2", "--test", "0"]) == 0
    tests = [line for line in capsys.readouterr().out.splitlines() if line.startswith("testing")]
    assert [line.split(",")[0] for line in tests] == ["testing @iter 0", "testing @iter 2", "testing @iter 4"]


def test_train_snapshots_resumes_from_a_snapshot_and_starts_from_caffe_weights(tmp_path, capsys):
    write_idx_set(tmp_path / "mnist", n_train=8, n_test=4)
    args = [
        "train",
        str(LENET),
        "mnist",
        str(tmp_path / "mnist"),
        "--batch",
        "4",
        "--test",
        "0",
        "--display",
        "0",
    ]
    prefix = tmp_path / "runs" / "lenet"
    assert cli.main(args + ["--iterations", "2", "--snapshot", "2", "--snapshot-prefix", str(prefix)]) == 0
    assert f"snapshot @iter 2: {prefix}_iter_2.caffemodel" in capsys.readouterr().out
    state = f"{prefix}_iter_2.solverstate"
    assert (
        cli.main(args + ["--iterations", "1", "--restore", state, "--output", str(tmp_path / "m.npz")]) == 0
    )
    assert f"restored {state} at iteration 2" in capsys.readouterr().out
    from pyrpudl.model_io import load_model

    assert load_model(tmp_path / "m.npz", create_data_source("mnist", tmp_path / "mnist")).iteration == 3
    assert cli.main(args + ["--iterations", "0", "--weights", f"{prefix}_iter_2.caffemodel"]) == 0
    assert "weights from " in capsys.readouterr().out


def test_train_reads_the_files_of_an_hdf5_data_net_without_a_data_source(tmp_path, capsys):
    import pytest

    pytest.importorskip("h5py")
    from tests.data.hdf5_files import hdf5_net, write_hdf5_lists

    write_hdf5_lists(tmp_path)
    net = tmp_path / "net.prototxt"
    net.write_text(hdf5_net())
    args = [
        "train",
        str(net),
        "--iterations",
        "100",
        "--batch",
        "10",
        "--learning-rate",
        "0.1",
        "--display",
        "50",
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("test accuracy on the first 40 test examples: ")[1].split()[0])
    assert accuracy >= 0.9


def test_train_reports_a_recurrent_nets_test_outputs(tmp_path, capsys):
    """An LSTM on HDF5 sequences (a third top, cont; per-timestep labels): predict() has no new
    examples' cont, so the report is the TEST net's cost and accuracy."""
    import pytest

    pytest.importorskip("h5py")
    from pyrpudl.data.hdf5_data import write_hdf5
    from tests.net.test_recurrent_training import NET, sequences

    write_hdf5(tmp_path / "train.h5", sequences(240, seed=0))
    write_hdf5(tmp_path / "test.h5", sequences(60, seed=1))
    (tmp_path / "net.prototxt").write_text(NET)
    args = ["train", str(tmp_path / "net.prototxt"), "--iterations", "300", "--batch", "6"]
    assert cli.main(args + ["--learning-rate", "0.5", "--display", "100"]) == 0
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    assert last.startswith("testing @iter 300, cost") and "on 60 test rows" in last


def test_train_reports_a_segmentations_test_outputs(tmp_path, capsys):
    """Label maps: no class per example to predict, so the TEST net's cost and pixel accuracy."""
    import pytest

    pytest.importorskip("h5py")
    from tests.data.hdf5_files import write_label_maps

    args = ["train", str(write_label_maps(tmp_path)), "--iterations", "20", "--batch", "4"]
    assert cli.main(args + ["--learning-rate", "0.5", "--display", "10"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("testing @iter 20, cost") and "accuracy" in last
