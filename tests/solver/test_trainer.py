import numpy as np
import pytest

from pyrpudl.data import create_data_source
from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.solver.trainer import train
from tests.data.files import write_idx_set
from tests.solver.conftest import LENET, sgd


def test_training_prints_the_seeds_lines_and_returns_a_new_model(model):
    lines = []
    outcome = train(model, batch=4, iterations=4, solver=sgd(), report=lines.append, display=2)
    assert lines[0].startswith("training @iter 2, cost ") and lines[0].endswith("%")
    assert lines[-1].startswith("training ends with average cost of ")
    assert outcome.model.iteration == 4 and outcome.model.cursor == 16 and len(outcome.model.cost_log) == 4
    assert model.iteration == 0 and not model.cost_log  # the old model is unchanged
    assert not np.array_equal(model.params.data, outcome.model.params.data)


def test_a_resumed_run_equals_an_uninterrupted_one(model):
    whole = train(model, batch=4, iterations=6, solver=sgd(), report=False).model
    half = train(model, batch=4, iterations=3, solver=sgd(), report=False).model
    resumed = train(half, batch=4, iterations=3, solver=sgd(), report=False).model
    np.testing.assert_array_equal(resumed.params.data, whole.params.data)
    np.testing.assert_array_equal(resumed.params.history, whole.params.history)
    assert resumed.cost_log == whole.cost_log


def test_runs_are_reproducible_with_a_seed(model):
    a = train(model, batch=4, iterations=2, solver=sgd(), report=False).model
    b = train(model, batch=4, iterations=2, solver=sgd(), report=False).model
    np.testing.assert_array_equal(a.params.data, b.params.data)


def test_a_diverging_cost_stops_training_with_the_last_good_model(model):
    lines = []
    outcome = train(model, batch=4, iterations=50, solver=sgd(rate=1e6), report=lines.append, display=0)
    assert outcome.stopped and "kept the last good model" in outcome.stopped
    assert np.isfinite(outcome.model.params.data).all()
    assert any(line.startswith("training stopped: the cost became") for line in lines)


def test_an_interrupt_returns_the_model_as_of_the_last_completed_iteration(model):
    def interrupt(line):
        if line.startswith("training @iter 3"):
            raise KeyboardInterrupt

    outcome = train(model, batch=4, iterations=10, solver=sgd(), report=interrupt, display=1)
    assert outcome.stopped == "interrupted after iteration 3"
    assert outcome.model.iteration == 3 and len(outcome.model.cost_log) == 3


def test_predict_gives_classes_and_probabilities_and_checks_the_shape(model):
    x = model.source.test_images.reshape(4, -1)
    probabilities = predict(model, x, "prob")
    assert probabilities.shape == (4, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(predict(model, x), probabilities.argmax(axis=1))
    with pytest.raises(InputError, match="images of 10 values, but the model's data are 1 x 28 x 28"):
        predict(model, np.zeros((2, 10)))


def test_a_mean_file_in_the_prototxt_needs_the_sources_mean(tmp_path):
    write_idx_set(tmp_path, n_train=4, n_test=2)
    source = create_data_source("mnist", tmp_path, download=False)
    text = LENET.read_text().replace("scale: 0.00390625", 'scale: 0.00390625 mean_file: "m.binaryproto"')
    (tmp_path / "net.prototxt").write_text(text)
    with pytest.raises(InputError, match="rpudlFindTrainingDataMean"):
        create_model(tmp_path / "net.prototxt", source)


# with iter_size 3 each batch of an iteration draws its own Dropout mask
@pytest.mark.parametrize(("iter_size", "batch", "first"), [(1, 4, 2), (3, 2, 1)])
def test_dropout_runs_resume_exactly_too(tmp_path, iter_size, batch, first):
    write_idx_set(tmp_path, n_train=8, n_test=2)
    source = create_data_source("mnist", tmp_path, download=False)
    text = LENET.read_text().replace(
        'layer {\n  name: "ip2"',
        'layer {\n  name: "drop" type: "Dropout" bottom: "ip1" top: "ip1"\n}\nlayer {\n  name: "ip2"',
    )
    assert "Dropout" in text
    model = create_model(text, source, seed=3)
    solver = sgd()
    solver.iter_size = iter_size
    whole = train(model, batch=batch, iterations=4, solver=solver, report=False, display=3).model
    half = train(model, batch=batch, iterations=first, solver=solver, report=False).model
    resumed = train(half, batch=batch, iterations=4 - first, solver=solver, report=False, display=2).model
    np.testing.assert_array_equal(resumed.params.data, whole.params.data)
    assert resumed.cost_log == whole.cost_log and resumed.cursor == 4 * batch * iter_size


def test_a_failing_progress_callback_stops_training_like_an_interrupt(model):
    # R turns Ctrl-C during message() into an error raised from the callback
    def failing(line):
        if line.startswith("training @iter 2"):
            raise RuntimeError("(Unknown exception occurred)")

    outcome = train(model, batch=4, iterations=10, solver=sgd(), report=failing, display=1)
    assert outcome.stopped == "interrupted after iteration 2"
    assert outcome.model.iteration == 2


def _augmented(tmp_path, n_train=8):
    write_idx_set(tmp_path, n_train=n_train, n_test=2)
    source = create_data_source("mnist", tmp_path, download=False)
    text = LENET.read_text().replace("scale: 0.00390625", "scale: 0.00390625 crop_size: 24 mirror: true")
    return create_model(text, source, seed=2)


def test_each_step_trains_on_caffes_crops_and_mirrors_of_its_batch(tmp_path):
    from pyrpudl.backend import get_backend
    from pyrpudl.solver.trainer import _Run
    from tests import reference

    model = _augmented(tmp_path)
    run = _Run(model, get_backend("cpu"), 4, sgd(), capacity=3)
    run.load_chunk(2)
    run._run_step()
    run._run_step()  # the second step's batch: examples 4..7 with the draws of iteration 1
    draws = model.transform("TRAIN").draws(model.seed, 1, 1, 4)
    assert draws[:, 2].any() and len(set(map(tuple, draws[:, :2]))) > 1
    images = model.source.train_images[4:8]
    want = [reference.caffe_transform(image, 0.00390625, crop=24, h_off=top, w_off=left, mirror=bool(flip))
            for image, (top, left, flip) in zip(images, draws, strict=True)]  # fmt: skip
    np.testing.assert_allclose(run.data.reshape(4, 1, 24, 24), np.stack(want), rtol=1e-6)


def test_augmented_runs_resume_exactly(tmp_path):
    model = _augmented(tmp_path)
    whole = train(model, batch=4, iterations=5, solver=sgd(), report=False, display=2).model
    half = train(model, batch=4, iterations=3, solver=sgd(), report=False, display=2).model
    resumed = train(half, batch=4, iterations=2, solver=sgd(), report=False, display=1).model
    np.testing.assert_array_equal(resumed.params.data, whole.params.data)
    plain = create_model(LENET, model.source, seed=2)
    assert plain.transform().shape == (1, 28, 28)
    with pytest.raises(InputError, match=r"1 x 28 x 28 = 784 values each \(give whole images: .* 24 x 24"):
        predict(whole, np.zeros((1, 24 * 24)))  # prediction takes whole images, and crops them itself


@pytest.mark.parametrize("clip", [-1, 0.02])
def test_iter_size_batches_sum_their_gradients_like_one_batch_that_many_times_larger(model, clip):
    accumulated, whole = sgd(), sgd()
    accumulated.iter_size = 2
    # Caffe clips the sum of the batches' gradients, before dividing it: half the threshold for the mean
    accumulated.clip_gradients, whole.clip_gradients = clip, clip / 2 if clip > 0 else clip
    two = train(model, batch=4, iterations=3, solver=accumulated, report=False, display=2).model
    one = train(model, batch=8, iterations=3, solver=whole, report=False, display=2).model
    assert two.cursor == one.cursor == 24 and len(two.cost_log) == 3
    np.testing.assert_allclose(two.cost_log, one.cost_log, rtol=1e-5)
    np.testing.assert_allclose(two.accuracy_log, one.accuracy_log)
    np.testing.assert_allclose(two.params.data, one.params.data, rtol=1e-4, atol=1e-6)
    assert not np.allclose(two.params.data, model.params.data)
