"""The register-blocked micro-kernels (LLVM vector IR through Numba intrinsics) against NumPy."""

import numba
import numpy as np

from pyrpudl.kernels.cpu.simd_conv import (
    ROWS,
    WIDTH,
    block_add,
    block_scatter_add,
    block_set,
    gather_block_add,
)


@numba.njit
def run_block(weights, source, offsets, second, out, accumulate):
    args = (weights.ctypes.data, source.ctypes.data, offsets.ctypes.data, second, out.ctypes.data)
    if accumulate:
        block_add(*args, out.shape[1], offsets.shape[0])
    else:
        block_set(*args, out.shape[1], offsets.shape[0])


@numba.njit
def run_gather(vectors, source, offsets, taps, out):
    gather_block_add(
        vectors.ctypes.data, source.ctypes.data, offsets.ctypes.data, taps.ctypes.data,
        out.ctypes.data, out.shape[1], offsets.shape[0],
    )  # fmt: skip


@numba.njit
def run_scatter(weights, source, offsets, second, out, targets, out_second):
    block_scatter_add(
        weights.ctypes.data, source.ctypes.data, offsets.ctypes.data, second, out.ctypes.data,
        targets.ctypes.data, out_second, offsets.shape[0],
    )  # fmt: skip


def test_a_block_sums_each_tap_over_two_runs_of_eight():
    rng = np.random.default_rng(0)
    taps, second = 37, 29
    weights = rng.standard_normal((taps, ROWS)).astype(np.float32)
    source = rng.standard_normal(400).astype(np.float32)
    offsets = rng.integers(0, 400 - second - 8, taps).astype(np.int64)
    runs = np.stack(
        [np.concatenate([source[o : o + 8], source[o + second : o + second + 8]]) for o in offsets]
    )
    want = weights.T.astype(np.float64) @ runs  # (6, 16)
    out = np.full((ROWS, 20), np.nan, np.float32)  # rows 20 apart: the kernel writes 16 of each
    run_block(weights, source, offsets, second, out, False)
    np.testing.assert_allclose(out[:, :WIDTH], want, rtol=1e-5, atol=1e-5)
    assert np.isnan(out[:, WIDTH:]).all()
    run_block(weights, source, offsets, second, out, True)  # adds to what is there
    np.testing.assert_allclose(out[:, :WIDTH], 2 * want, rtol=1e-5, atol=1e-5)


def test_no_taps_stores_zeros_or_leaves_the_sums():
    empty = np.zeros(0, np.int64)
    out = np.ones((ROWS, WIDTH), np.float32)
    run_block(np.zeros((0, ROWS), np.float32), np.zeros(16, np.float32), empty, 0, out, True)
    assert (out == 1).all()
    run_block(np.zeros((0, ROWS), np.float32), np.zeros(16, np.float32), empty, 0, out, False)
    assert (out == 0).all()


def test_a_gather_block_broadcasts_six_taps_against_sixteen_lanes():
    rng = np.random.default_rng(1)
    steps = 53
    vectors = rng.standard_normal((steps, WIDTH)).astype(np.float32)
    source = rng.standard_normal(300).astype(np.float32)
    offsets = rng.integers(0, 250, steps).astype(np.int64)
    taps = rng.integers(0, 50, ROWS).astype(np.int64)
    inputs = source[offsets[:, None] + taps[None, :]].astype(np.float64)  # (steps, 6)
    out = rng.standard_normal((ROWS, WIDTH)).astype(np.float32)
    want = out + inputs.T @ vectors
    run_gather(vectors, source, offsets, taps, out)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_a_scatter_block_adds_each_row_where_its_target_says_overlaps_included():
    rng = np.random.default_rng(2)
    steps, second, out_second = 11, 21, 13
    weights = rng.standard_normal((steps, ROWS)).astype(np.float32)
    source = rng.standard_normal(300).astype(np.float32)
    offsets = rng.integers(0, 300 - second - 8, steps).astype(np.int64)
    # rows 1 float apart (taps side by side), one row twice, one far off
    targets = np.array([0, 1, 2, 2, 9, 60], np.int64)
    runs = np.stack(
        [np.concatenate([source[o : o + 8], source[o + second : o + second + 8]]) for o in offsets]
    )
    sums = weights.T.astype(np.float64) @ runs  # (6, 16)
    out = rng.standard_normal(100).astype(np.float32)
    want = out.astype(np.float64)
    for r in range(ROWS):
        want[targets[r] : targets[r] + 8] += sums[r, :8]
        want[targets[r] + out_second : targets[r] + out_second + 8] += sums[r, 8:]
    run_scatter(weights, source, offsets, second, out, targets, out_second)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
