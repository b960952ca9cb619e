"""Caffe's transform_param: the mean (file or values), the scale, the crop and the mirror."""

from pathlib import Path

import numpy as np
import pytest

from pyrpudl.data import DataSource
from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.net import parse_net
from pyrpudl.net.transform import input_transform
from tests import reference

SHAPE = (3, 6, 8)


def net(train_transform: str, test_transform: str | None = None) -> str:
    test = train_transform if test_transform is None else test_transform
    return f"""
layer {{ name: "data" type: "Data" top: "data" top: "label" include {{ phase: TRAIN }}
  transform_param {{ {train_transform} }} }}
layer {{ name: "test_data" type: "Data" top: "data" top: "label" include {{ phase: TEST }}
  transform_param {{ {test} }} }}
layer {{ name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param {{ num_output: 4 weight_filler {{ type: "xavier" }} }} }}
layer {{ name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }}
"""


def source(with_mean=True) -> DataSource:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, *SHAPE), dtype=np.uint8)
    labels = rng.integers(0, 4, 10).astype(np.int32)
    made = DataSource("random", Path("."), Path("."), images[:8], labels[:8], images[8:], labels[8:])
    if with_mean:
        made.mean = images[:8].mean(axis=0).astype(np.float32)
    return made


def transform(text, phase="TRAIN", data=None):
    return input_transform(parse_net(net(text)), data or source(), phase)


def test_the_mean_is_the_sources_unless_the_layer_gives_values_per_channel():
    data = source()
    assert np.array_equal(transform('mean_file: "m"', data=data).mean, data.mean)
    # rpudl's convention (seed 000): a mean the source computed applies without a mean_file too
    assert np.array_equal(transform("scale: 0.5", data=data).mean, data.mean)
    assert not transform("scale: 0.5", data=source(with_mean=False)).mean.any()
    one = transform("mean_value: 100").mean
    assert one.shape == SHAPE and (one == 100).all()
    per_channel = transform("mean_value: 1 mean_value: 2 mean_value: 3").mean
    np.testing.assert_array_equal(per_channel[:, 0, 0], [1, 2, 3])
    assert (per_channel == per_channel[:, :1, :1]).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('mean_file: "m" mean_value: 3', "either mean_file or mean_value"),
        ("mean_value: 1 mean_value: 2", "2 mean_value entries for images of 3 channels"),
        ("crop_size: 7", r"crop_size 7 is larger than the images \(6 x 8\)"),
        ("force_gray: true", "force_color and force_gray are not supported"),
    ],
)
def test_settings_caffe_refuses_are_errors_that_say_what_to_change(text, message):
    with pytest.raises(InputError, match=message):
        transform(text)


def test_a_mean_file_needs_the_sources_mean():
    with pytest.raises(InputError, match=r"compute it first with rpudlFindTrainingDataMean\(\)"):
        transform('mean_file: "m"', data=source(with_mean=False))


def test_training_crops_at_random_places_and_mirrors_about_half_the_examples():
    train = transform("crop_size: 4 mirror: true")
    assert train.shape == (3, 4, 4) and train.augments
    draws = train.draws(seed=5, first_iteration=10, count=50, batch=20)
    assert draws.shape == (1000, 3) and draws.dtype == np.int32
    assert set(draws[:, 0]) == {0, 1, 2} and set(draws[:, 1]) == {0, 1, 2, 3, 4}  # every place, no other
    assert 0.4 < draws[:, 2].mean() < 0.6
    # an iteration's draws depend only on the seed and the iteration: a resumed run sees the same
    np.testing.assert_array_equal(train.draws(5, 30, 2, 20), draws[400:440])
    assert not np.array_equal(train.draws(6, 10, 1, 20), draws[:20])


def test_the_test_phase_crops_at_the_centre_and_does_not_mirror():
    test = transform("crop_size: 4 mirror: true", phase="TEST")
    draws = test.draws(seed=5, first_iteration=0, count=3, batch=2)
    assert (draws == [1, 2, 0]).all()
    images = source().test_images
    want = np.stack([reference.caffe_transform(image, 0.25, mean_values=(9, 8, 7), crop=4, h_off=1, w_off=2)
                     for image in images])  # fmt: skip
    test = transform("crop_size: 4 scale: 0.25 mean_value: 9 mean_value: 8 mean_value: 7", phase="TEST")
    np.testing.assert_allclose(test.apply(images), want, rtol=1e-6)


def test_mirroring_alone_keeps_the_whole_image():
    train = transform("mirror: true")
    assert train.shape == SHAPE and train.augments
    draws = train.draws(1, 0, 4, 5)
    assert not draws[:, :2].any() and draws[:, 2].any()
    assert not transform("scale: 2").augments


def test_the_phases_must_give_the_net_the_same_shape():
    with pytest.raises(InputError, match=r"images of 3 x 4 x 4 but the TEST phase's 3 x 5 x 5"):
        create_model(net("crop_size: 4", "crop_size: 5"), source())


def test_a_cropped_model_predicts_from_the_centre_of_whole_images():
    data = source()
    model = create_model(net('crop_size: 4 mean_file: "m" mirror: true', 'crop_size: 4 mean_file: "m"'), data)
    images = data.test_images
    centre = images[:, :, 1:5, 2:6].astype(np.float32) - data.mean[:, 1:5, 2:6]
    weights, bias = model.params.weights("ip", 0), model.params.weights("ip", 1)
    scores = centre.reshape(len(images), -1) @ weights.T + bias
    probabilities = np.exp(scores - scores.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    np.testing.assert_allclose(predict(model, images.reshape(len(images), -1), "prob"), probabilities,
                               rtol=1e-4, atol=1e-6)  # fmt: skip
