"""Concat and Eltwise MAX: each CUDA op against its CPU twin, the CPU twin against NumPy."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import combine as cpu
from pyrpudl.kernels.cuda import combine as gpu
from tests.cuda.conftest import poisoned


def test_concat_forward_and_backward():
    rng = np.random.default_rng(20)
    parts = [rng.standard_normal((2, t, 4)).astype(np.float32) for t in (3, 1, 2)]
    whole, d_whole = np.full((2, 6, 4), np.nan, np.float32), poisoned((2, 6, 4))
    dy = rng.standard_normal((2, 6, 4)).astype(np.float32)
    d_dy = cuda.to_device(dy)
    offset = 0
    for part in parts:
        cpu.concat_forward(whole, part, offset)
        gpu.concat_forward(d_whole, cuda.to_device(part), offset)
        dx, d_dx = np.empty_like(part), poisoned(part.shape)
        cpu.concat_backward(dx, dy, offset)
        gpu.concat_backward(d_dx, d_dy, offset)
        np.testing.assert_array_equal(dx, dy[:, offset : offset + part.shape[1]])
        np.testing.assert_array_equal(d_dx.copy_to_host(), dx)
        offset += part.shape[1]
    np.testing.assert_array_equal(whole, np.concatenate(parts, axis=1))
    np.testing.assert_array_equal(d_whole.copy_to_host(), whole)


@pytest.mark.parametrize("bottoms", [2, 3])
def test_eltwise_max_first_maximum_wins(bottoms):
    rng = np.random.default_rng(21)
    xs = [rng.integers(0, 3, 60).astype(np.float32) for _ in range(bottoms)]  # many ties
    out, winner = np.empty(60, np.float32), np.empty(60, np.int32)
    d_out, d_winner = poisoned((60,)), poisoned((60,), np.int32)
    for index, x in enumerate(xs):
        cpu.eltwise_max_forward(out, winner, x, index)
        gpu.eltwise_max_forward(d_out, d_winner, cuda.to_device(x), index)
    stacked = np.stack(xs)
    np.testing.assert_array_equal(out, stacked.max(axis=0))
    np.testing.assert_array_equal(winner, stacked.argmax(axis=0))
    np.testing.assert_array_equal(d_out.copy_to_host(), out)
    np.testing.assert_array_equal(d_winner.copy_to_host(), winner)
    dy = rng.standard_normal(60).astype(np.float32)
    d_dy = cuda.to_device(dy)
    for index in range(bottoms):
        dx, d_dx = np.empty(60, np.float32), poisoned((60,))
        cpu.eltwise_max_backward(dx, dy, winner, index)
        gpu.eltwise_max_backward(d_dx, d_dy, d_winner, index)
        np.testing.assert_array_equal(dx, np.where(winner == index, dy, 0))
        np.testing.assert_array_equal(d_dx.copy_to_host(), dx)


def test_argmax_matches_the_cpu():
    """Ties included (rounded values), top_k of several, positions along an inner axis."""
    x = np.round(np.random.default_rng(5).standard_normal((3, 6, 4)), 1).astype(np.float32)
    x[0, :, 0] = 1.0  # a whole row of ties
    indices, values = np.empty((3, 3, 4), np.float32), np.empty((3, 3, 4), np.float32)
    cpu.argmax_forward(indices, values, x, 3)
    d_indices, d_values = poisoned(indices.shape), poisoned(values.shape)
    gpu.argmax_forward(d_indices, d_values, cuda.to_device(x), 3)
    np.testing.assert_array_equal(d_indices.copy_to_host(), indices)
    np.testing.assert_array_equal(d_values.copy_to_host(), values)
