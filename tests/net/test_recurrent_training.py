"""A recurrent net as Caffe users train one (LRCN's way): HDF5Data with three tops, each row one
timestep of N streams (data, cont, label), a batch of T rows, an LSTM, scores and labels per
timestep (softmax over axis 2); trained and tested through the trainer on both sides of a batch
boundary, and clear errors where new examples lack the net's further tops."""

import numpy as np
import pytest

pytest.importorskip("h5py")

from pyrpudl.data.hdf5_data import write_hdf5  # noqa: E402
from pyrpudl.errors import InputError  # noqa: E402
from pyrpudl.model import create_model, predict  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402

STREAMS, LENGTH, BATCH = 8, 3, 6  # a sequence is 3 timesteps, a batch 6: sequences cross batches

NET = f"""
name: "remember"
layer {{ name: "data" type: "HDF5Data" top: "data" top: "label" top: "cont" include {{ phase: TRAIN }}
        hdf5_data_param {{ source: "train.h5" batch_size: {BATCH} }} }}
layer {{ name: "data" type: "HDF5Data" top: "data" top: "label" top: "cont" include {{ phase: TEST }}
        hdf5_data_param {{ source: "test.h5" batch_size: {BATCH} }} }}
layer {{ name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" top: "h"
        recurrent_param {{ num_output: 8 weight_filler {{ type: "uniform" min: -0.3 max: 0.3 }} }} }}
layer {{ name: "score" type: "InnerProduct" bottom: "h" top: "score"
        inner_product_param {{ num_output: 2 axis: 2 weight_filler {{ type: "gaussian" std: 0.3 }} }} }}
layer {{ name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss"
        softmax_param {{ axis: 2 }} }}
layer {{ name: "accuracy" type: "Accuracy" bottom: "score" bottom: "label" top: "accuracy"
        accuracy_param {{ axis: 2 }} include {{ phase: TEST }} }}
"""


def sequences(rows: int, seed: int, last_only: bool = False) -> dict[str, np.ndarray]:
    """Each stream's sequences of LENGTH random values; every timestep's label is whether its
    sequence began above 0 (remembered from the first timestep on); ``last_only``: -1 (the loss's
    ignore_label) but at each sequence's last timestep, as LRCN's files label a caption's padding."""
    x = np.random.default_rng(seed).uniform(-1, 1, (rows, STREAMS, 1))
    step = np.arange(rows) % LENGTH
    cont = np.ones((rows, STREAMS))
    cont[step == 0] = 0
    label = (x[np.arange(rows) - step, :, 0] > 0).astype(np.float32)
    if last_only:
        label[step != LENGTH - 1] = -1
    return {"data": x, "label": label, "cont": cont}


def model_in(tmp_path, net=NET, last_only=False):
    write_hdf5(tmp_path / "train.h5", sequences(40 * BATCH, seed=0, last_only=last_only))
    write_hdf5(tmp_path / "test.h5", sequences(10 * BATCH, seed=1, last_only=last_only))
    (tmp_path / "net.prototxt").write_text(net)
    return create_model(tmp_path / "net.prototxt", seed=0)


def test_the_third_top_is_fed_beside_the_examples(tmp_path):
    source = model_in(tmp_path).source
    assert source.train_images.shape == (240, STREAMS, 1) and source.label_maps
    assert list(source.train_side) == ["cont"] and source.side_shapes == ((STREAMS,),)
    assert source.test_side["cont"].shape == (60, STREAMS)


def test_an_lstm_trains_on_hdf5_sequences_and_tests_on_its_test_files(tmp_path):
    model = model_in(tmp_path)
    solver = pb.SolverParameter(base_lr=0.5, lr_policy="fixed", test_interval=600)
    lines = []
    trained = train(model, batch=BATCH, iterations=600, solver=solver, report=lines.append, display=300).model
    assert any(line.startswith("testing @iter 600") for line in lines)
    assert trained.test_log[-1][2] >= 0.95  # right timesteps of the test sequences
    with pytest.raises(InputError, match="also gives 'cont'.*TEST data only"):
        predict(trained, model.source.test_images[:BATCH])


def test_timesteps_labelled_with_the_ignore_label_count_for_nothing(tmp_path):
    net = NET.replace(
        "softmax_param { axis: 2 }", "softmax_param { axis: 2 } loss_param { ignore_label: -1 }"
    )
    net = net.replace("accuracy_param { axis: 2 }", "accuracy_param { axis: 2 ignore_label: -1 }")
    model = model_in(tmp_path, net, last_only=True)
    assert model.source.train_targets.min() == -1
    solver = pb.SolverParameter(base_lr=0.5, lr_policy="fixed", test_interval=600)
    trained = train(model, batch=BATCH, iterations=600, solver=solver, report=False).model
    assert trained.test_log[-1][2] >= 0.95  # right last timesteps
    with pytest.raises(
        InputError, match=r"must hold classes 0, 1, 2, \.\.\.; it holds other values \(from -1"
    ):
        model_in(tmp_path, NET, last_only=True)  # -1 without an ignore_label in the net


def test_a_tops_count_the_files_do_not_have_is_named(tmp_path):
    net = NET.replace('top: "cont" include { phase: TEST }', "include { phase: TEST }")
    with pytest.raises(InputError, match="as many tops, in the same order"):
        model_in(tmp_path, net)


def test_the_python_twin_of_rpudl_write_hdf5_writes_the_further_datasets(tmp_path):
    from pyrpudl import rpudl

    data = sequences(4 * BATCH, seed=3)
    rpudl.rpudlWriteHDF5(data["data"], data["label"], tmp_path / "train.h5", extra={"cont": data["cont"]})
    rpudl.rpudlWriteHDF5(data["data"], data["label"], tmp_path / "test.h5", extra={"cont": data["cont"]})
    (tmp_path / "net.prototxt").write_text(NET)
    source = create_model(tmp_path / "net.prototxt").source
    np.testing.assert_array_equal(source.train_side["cont"], data["cont"])
    assert "rows" in source.summary()
    with pytest.raises(InputError, match="'label' is taken"):
        rpudl.rpudlWriteHDF5(data["data"], data["label"], tmp_path / "bad.h5", extra={"label": data["cont"]})


def test_rpudl_time_feeds_the_further_tops_too(tmp_path):
    from pyrpudl.timing import time_model

    timing = time_model(model_in(tmp_path), batch=BATCH, iterations=2)
    assert [layer.name for layer in timing.layers] == ["lstm", "score", "loss"]
    assert all(layer.forward_ms > 0 and layer.backward_ms > 0 for layer in timing.layers)


DEPLOY = """
name: "remember"
layer { name: "in" type: "Input" top: "data" top: "cont"
        input_param { shape { dim: [6, 8, 1] } shape { dim: [6, 8] } } }
layer { name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" top: "h" recurrent_param { num_output: 8 } }
layer { name: "score" type: "InnerProduct" bottom: "h" top: "score"
        inner_product_param { num_output: 2 axis: 2 } }
layer { name: "prob" type: "Softmax" bottom: "score" top: "prob" softmax_param { axis: 2 } }
"""


def test_a_trained_lstm_predicts_through_a_deploy_net_of_two_inputs(tmp_path):
    from pyrpudl.extract import extract_features
    from pyrpudl.net.caffemodel import load_weights, save_weights
    from pyrpudl.net.layers.softmax_loss import softmax
    from tests import reference

    model = model_in(tmp_path)
    solver = pb.SolverParameter(base_lr=0.5, lr_policy="fixed")
    trained = train(model, batch=BATCH, iterations=300, solver=solver, report=False).model
    deployed, _ = load_weights(create_model(DEPLOY), save_weights(trained, tmp_path / "remember.caffemodel"))
    data = sequences(4 * LENGTH, seed=5)
    x, cont = data["data"].astype(np.float32), data["cont"].astype(np.float32)
    prob = extract_features(deployed, {"data": x, "cont": cont}, "prob")  # 12 timesteps, one pass
    w = [trained.params.weights("lstm", i).astype(np.float64) for i in range(3)]
    zeros = np.zeros((STREAMS, 8))
    h, _, _ = reference.lstm(x, cont, w[0], w[1], w[2], zeros, zeros)
    scores = h @ trained.params.weights("score").T.astype(np.float64) + trained.params.weights("score", 1)
    np.testing.assert_allclose(prob, softmax(scores, axis=2), rtol=1e-4, atol=1e-6)
    assert np.mean(prob.argmax(axis=2) == data["label"]) > 0.9
    with pytest.raises(InputError, match=r"holds classes along axis 2 .*rpudlExtractFeatures"):
        predict(deployed, {"data": x, "cont": cont})
    with pytest.raises(InputError, match=r"several inputs \(data, cont\): give x as a list"):
        extract_features(deployed, x, "prob")
    with pytest.raises(InputError, match="as many rows .*: data 12, cont 11"):
        extract_features(deployed, {"data": x, "cont": cont[:11]}, "prob")
    with pytest.raises(InputError, match=r"x\$cont holds rows of 7 values, but .* takes 8"):
        extract_features(deployed, {"data": x, "cont": cont[:, :7]}, "prob")


STEP = """
name: "remember_step"
layer { name: "in" type: "Input" top: "data" top: "cont" top: "h_0" top: "c_0"
        input_param { shape { dim: [1, 8, 1] } shape { dim: [1, 8] } shape { dim: [1, 8, 8] }
                      shape { dim: [1, 8, 8] } } }
layer { name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" bottom: "h_0" bottom: "c_0"
        top: "h" top: "h_T" top: "c_T" recurrent_param { num_output: 8 expose_hidden: true } }
layer { name: "score" type: "InnerProduct" bottom: "h" top: "score"
        inner_product_param { num_output: 2 axis: 2 } }
layer { name: "prob" type: "Softmax" bottom: "score" top: "prob" softmax_param { axis: 2 } }
"""


def test_a_deploy_net_of_one_timestep_decodes_step_by_step_through_its_exposed_states(tmp_path):
    """Caffe's way to run an LSTM one timestep at a time: expose_hidden, the states fed back."""
    from pyrpudl.extract import extract_features
    from pyrpudl.net.caffemodel import load_weights, save_weights

    model = model_in(tmp_path)
    trained = train(model, BATCH, 100, pb.SolverParameter(base_lr=0.5, lr_policy="fixed"), report=False).model
    weights = save_weights(trained, tmp_path / "remember.caffemodel")
    whole, _ = load_weights(create_model(DEPLOY), weights)
    step, _ = load_weights(create_model(STEP), weights)
    data = sequences(2 * LENGTH, seed=6)
    x, cont = data["data"].astype(np.float32), data["cont"].astype(np.float32)
    want = extract_features(whole, {"data": x, "cont": cont}, "prob")
    h, c = np.zeros((1, STREAMS, 8), np.float32), np.zeros((1, STREAMS, 8), np.float32)
    for t in range(len(x)):
        feed = {"data": x[t : t + 1], "cont": cont[t : t + 1], "h_0": h, "c_0": c}
        np.testing.assert_allclose(extract_features(step, feed, "prob")[0], want[t], rtol=1e-5, atol=1e-6)
        h, c = extract_features(step, feed, "h_T"), extract_features(step, feed, "c_T")


CHARS = """
name: "next_char"
layer { name: "data" type: "HDF5Data" top: "data" top: "label" top: "cont" include { phase: TRAIN }
        hdf5_data_param { source: "chars_train.h5" batch_size: 6 } }
layer { name: "data" type: "HDF5Data" top: "data" top: "label" top: "cont" include { phase: TEST }
        hdf5_data_param { source: "chars_test.h5" batch_size: 6 } }
layer { name: "embed" type: "Embed" bottom: "data" top: "embedded"
        embed_param { num_output: 4 input_dim: 2 weight_filler { type: "uniform" min: -0.5 max: 0.5 } } }
layer { name: "lstm" type: "LSTM" bottom: "embedded" bottom: "cont" top: "h"
        recurrent_param { num_output: 8 weight_filler { type: "uniform" min: -0.3 max: 0.3 } } }
layer { name: "predict" type: "InnerProduct" bottom: "h" top: "predict"
        inner_product_param { num_output: 2 axis: 2 weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "predict" bottom: "label" top: "loss"
        softmax_param { axis: 2 } }
layer { name: "accuracy" type: "Accuracy" bottom: "predict" bottom: "label" top: "accuracy"
        accuracy_param { axis: 2 } include { phase: TEST } }
"""


def test_a_character_lstm_learns_what_comes_next_across_batches(tmp_path):
    """Streams of "a a b a a b ..." (0 0 1), one character a timestep, cont 0 only at the very
    first row: the streams run on through every batch, so the next character after an "a" is
    known only from the state carried across batch boundaries (a net of the current character
    alone gets 2/3 right). Embed, LSTM, per-timestep scores: Caffe's char-RNN."""
    pattern = np.array([0, 0, 1])
    for name, rows in (("chars_train.h5", 40 * 6), ("chars_test.h5", 10 * 6)):
        stream = pattern[(np.arange(rows + 1)[:, None] + np.arange(4)[None]) % 3]  # 4 streams, offset
        cont = np.ones((rows, 4))
        cont[0] = 0
        write_hdf5(tmp_path / name, {"data": stream[:-1], "label": stream[1:], "cont": cont})
    (tmp_path / "chars.prototxt").write_text(CHARS)
    model = create_model(tmp_path / "chars.prototxt", seed=0)
    solver = pb.SolverParameter(base_lr=0.5, lr_policy="fixed", test_interval=800)
    trained = train(model, batch=6, iterations=800, solver=solver, report=False).model
    assert trained.test_log[-1][2] >= 0.98  # (with cont 0 at each batch's start it fails: ~0.94)
