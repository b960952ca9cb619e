"""Pooling 8 outputs at a time (simd_pool.py, float32) against the scalar loop and the slow
reference: MAX with the same maxima and first positions, ties, NaNs and -inf included; AVE with
the same sums (the same order, in float32) and Caffe's divisors."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import pooling
from tests import reference


def out_size(size, kernel, stride, pad):
    return (
        -(-(size + 2 * pad - kernel) // stride) + 1
    )  # Caffe's ceil rounding (no window starts in the padding here)


# (shape, kernel, stride, pad): cifar10_quick's pool1 (ceil overhang), LeNet's, stride 1, padding on
# every side, an interior of exactly 8 outputs, of 9 (the last 8 overlap), of fewer than 8 (all
# scalar), a rectangular window
GEOMETRIES = {
    "3x3 stride 2, ceil overhang": ((2, 3, 32, 32), (3, 3), (2, 2), (0, 0)),
    "2x2 stride 2": ((2, 2, 24, 24), (2, 2), (2, 2), (0, 0)),
    "3x3 stride 1, pad 1": ((2, 2, 13, 19), (3, 3), (1, 1), (1, 1)),
    "3x3 stride 2, pad 1": ((1, 3, 17, 40), (3, 3), (2, 2), (1, 1)),
    "exactly 8 inside": ((1, 2, 5, 17), (3, 3), (2, 2), (0, 0)),
    "9 inside: overlapping chunks": ((1, 2, 6, 10), (2, 2), (1, 1), (0, 0)),
    "fewer than 8 inside": ((1, 2, 7, 9), (3, 3), (2, 2), (1, 1)),
    "rectangular 2x4, stride (3, 2)": ((2, 2, 12, 30), (2, 4), (3, 2), (1, 0)),
}


def images(shape, rng):
    plain = rng.standard_normal(shape).astype(np.float32)
    ties = np.round(plain * 0.7).astype(np.float32)  # many equal values in a window
    holes = plain.copy()
    holes[rng.random(shape) < 0.3] = np.nan
    holes[rng.random(shape) < 0.1] = -np.inf
    holes[0, 0, :3] = np.nan  # windows of NaNs only
    return {"plain": plain, "ties": ties, "NaN and -inf": holes}


@pytest.mark.parametrize("shape, kernel, stride, pad", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_eight_at_a_time_equals_the_scalar_loop_and_the_reference(shape, kernel, stride, pad):
    oh, ow = (out_size(s, k, st, p) for s, k, st, p in zip(shape[2:], kernel, stride, pad, strict=True))
    args = (*kernel, *pad, *stride)
    for name, image in images(shape, np.random.default_rng(3)).items():
        out, argmax = np.empty((*shape[:2], oh, ow), np.float32), np.empty((*shape[:2], oh, ow), np.int32)
        pooling.max_pool_forward(out, argmax, image, *args)
        want, want_argmax = np.empty_like(out), np.empty_like(argmax)
        pooling._max_pool_forward_scalar(want, want_argmax, image, *args)
        np.testing.assert_array_equal(out, want, err_msg=name)
        np.testing.assert_array_equal(argmax, want_argmax, err_msg=name)
        if name == "plain":
            np.testing.assert_array_equal(out, reference.pool2d(image, kernel, pad, stride, (oh, ow), "MAX"))
            # the position holds the maximum
            flat = image.reshape(*shape[:2], -1)
            np.testing.assert_array_equal(
                np.take_along_axis(flat, argmax.reshape(*shape[:2], -1), 2).ravel(), out.ravel()
            )


def test_a_tie_goes_to_the_first_position_in_row_major_order():
    image = np.zeros((1, 1, 4, 20), np.float32)
    image[0, 0, 1, 0] = image[0, 0, 0, 1] = 5.0  # both in the first window: row 0 comes first
    out, argmax = np.empty((1, 1, 2, 10), np.float32), np.empty((1, 1, 2, 10), np.int32)
    pooling.max_pool_forward(out, argmax, image, 2, 2, 0, 0, 2, 2)
    assert out[0, 0, 0, 0] == 5.0 and argmax[0, 0, 0, 0] == 1
    assert argmax[0, 0, 0, 1] == 0 * 20 + 2  # all zeros: the window's first position


@pytest.mark.parametrize("shape, kernel, stride, pad", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_eight_means_at_a_time_equal_the_scalar_loop_and_the_reference(shape, kernel, stride, pad):
    oh, ow = (out_size(s, k, st, p) for s, k, st, p in zip(shape[2:], kernel, stride, pad, strict=True))
    args = (*kernel, *pad, *stride)
    image = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    out = np.empty((*shape[:2], oh, ow), np.float32)
    pooling.ave_pool_forward(out, image, *args)
    want = np.empty_like(out)
    pooling._ave_pool_forward_scalar(want, image, *args)
    np.testing.assert_array_equal(out, want)
    expected = reference.pool2d(image.astype(np.float64), kernel, pad, stride, (oh, ow), "AVE")
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
