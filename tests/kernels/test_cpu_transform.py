"""The input transform against Caffe's: (pixel - mean) * scale, and the training batch's crop and
mirror against its DataTransformer, element by element."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu.transform import transform_crop_batch, transform_u8
from tests import reference


def test_transform_matches_the_reference():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 3 * 4 * 4), dtype=np.uint8)
    mean = rng.uniform(0, 255, size=pixels.shape[1]).astype(np.float32)
    out = np.empty(pixels.shape, dtype=np.float32)
    transform_u8(out, pixels, mean, np.float32(0.00390625))
    np.testing.assert_allclose(out, reference.transform_u8(pixels, mean, 0.00390625), rtol=1e-6)


SHAPE = (2, 5, 7)  # two channels, not square: height and width must not be swapped


def crop_case(crop, seed=0):
    """A chunk of two steps of three examples, with offsets and flags, and the step counter at the
    second step; ``crop`` 0 mirrors whole images."""
    rng = np.random.default_rng(seed)
    dataset = rng.integers(0, 256, (9, np.prod(SHAPE)), dtype=np.uint8)
    labels = rng.integers(0, 10, 9).astype(np.int32)
    mean = rng.uniform(0, 255, SHAPE).astype(np.float32)
    index = np.array([0, 1, 2, 8, 3, 3], np.int32)
    if crop:
        offsets = np.array([[0, 0, 0]] * 3 + [[2, 4, 1], [0, 0, 1], [1, 2, 0]], np.int32)
    else:
        offsets = np.array([[0, 0, 0]] * 3 + [[0, 0, 1], [0, 0, 0], [0, 0, 1]], np.int32)
    window = (crop, crop) if crop else SHAPE[1:]
    return dataset, labels, mean, index, offsets, window


def caffe_batch(dataset, mean, index, offsets, crop, scale, step, batch=3):
    rows = range(step * batch, (step + 1) * batch)
    return np.stack([
        reference.caffe_transform(dataset[index[k]].reshape(SHAPE), scale, mean=mean, crop=crop,
                                  h_off=offsets[k, 0], w_off=offsets[k, 1], mirror=bool(offsets[k, 2]))
        for k in rows
    ])  # fmt: skip


@pytest.mark.parametrize("crop", [3, 0])
def test_each_example_is_cut_at_its_offsets_and_flipped_where_its_flag_says(crop):
    dataset, labels, mean, index, offsets, window = crop_case(crop)
    out = np.full((3, SHAPE[0] * window[0] * window[1]), np.nan, np.float32)
    labels_out = np.full(3, -1, np.int32)
    transform_crop_batch(out, labels_out, dataset, labels, index, offsets, np.array([1], np.int32),
                         mean.ravel(), np.float32(0.5), *SHAPE, *window)  # fmt: skip
    want = caffe_batch(dataset, mean, index, offsets, crop, 0.5, step=1)
    np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-6)
    np.testing.assert_array_equal(labels_out, labels[index[3:]])
