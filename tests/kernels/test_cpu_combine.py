"""The CPU Concat and Eltwise MAX ops against NumPy."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu import combine


@pytest.mark.parametrize("shape", [(2, 4, 5), (1, 3, 1), (6, 2, 300)])
def test_concat_forward_and_backward(shape):
    a, _, inner = shape
    rng = np.random.default_rng(0)
    parts = [rng.standard_normal((a, t, inner)).astype(np.float32) for t in (shape[1], 1, 3)]
    total = sum(p.shape[1] for p in parts)
    whole = np.full((a, total, inner), np.nan, np.float32)
    offset = 0
    for part in parts:
        combine.concat_forward(whole, part, offset)
        offset += part.shape[1]
    np.testing.assert_array_equal(whole, np.concatenate(parts, axis=1))
    dy = rng.standard_normal(whole.shape).astype(np.float32)
    offset = 0
    for part in parts:
        dx = np.full_like(part, np.nan)
        combine.concat_backward(dx, dy, offset)
        np.testing.assert_array_equal(dx, dy[:, offset : offset + part.shape[1]])
        offset += part.shape[1]


@pytest.mark.parametrize("bottoms", [2, 3])
def test_eltwise_max_first_maximum_wins(bottoms):
    rng = np.random.default_rng(1)
    xs = [rng.integers(-2, 2, 200).astype(np.float32) for _ in range(bottoms)]  # many ties
    out, winner = np.full(200, np.nan, np.float32), np.full(200, -1, np.int32)
    for index, x in enumerate(xs):
        combine.eltwise_max_forward(out, winner, x, index)
    stacked = np.stack(xs)
    np.testing.assert_array_equal(out, stacked.max(axis=0))
    np.testing.assert_array_equal(winner, stacked.argmax(axis=0))  # argmax: the first maximum
    dy = rng.standard_normal(200).astype(np.float32)
    for index in range(bottoms):
        dx = np.full(200, np.nan, np.float32)
        combine.eltwise_max_backward(dx, dy, winner, index)
        np.testing.assert_array_equal(dx, np.where(winner == index, dy, 0))
