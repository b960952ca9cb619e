"""MAX / AVE pooling: CUDA against the CPU twin, the CPU twin against ``tests/reference.py``, with
Caffe's edge cases: the ceil-mode overhang, padding, overlapping windows, global pooling, ties."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu import pooling as cpu
from pyrpudl.kernels.cuda import pooling as gpu
from pyrpudl.net.shapes import pool_output_size
from tests import reference
from tests.cuda.conftest import assert_close, poisoned

# (N, C, H, W), (kh, kw, ph, pw, sh, sw), ceil mode
CASES = [
    ((2, 2, 7, 7), (3, 3, 0, 0, 2, 2), True),  # overlapping 3x3 stride 2, windows fit exactly
    ((2, 2, 6, 6), (3, 3, 0, 0, 2, 2), True),  # ceil-mode overhang: the last window is clipped
    ((1, 3, 6, 5), (3, 3, 1, 1, 2, 2), True),  # padding and overhang
    ((2, 2, 5, 5), (2, 2, 0, 0, 2, 2), True),  # non-overlapping, overhang
    ((1, 2, 7, 5), (3, 2, 1, 0, 2, 1), True),  # rectangular window, padding in one direction
    ((2, 2, 6, 6), (3, 3, 1, 1, 2, 2), False),  # floor mode
    ((2, 3, 5, 4), (5, 4, 0, 0, 1, 1), True),  # global pooling
]
IDS = ["3x3s2", "overhang", "pad", "2x2s2", "rect", "floor", "global"]


def out_shape(shape, window, ceil):
    n, c, height, width = shape
    kh, kw, ph, pw, sh, sw = window
    return n, c, pool_output_size(height, kh, ph, sh, ceil), pool_output_size(width, kw, pw, sw, ceil)


def max_forward_both(image, window, ceil):
    shape = out_shape(image.shape, window, ceil)
    want, want_argmax = np.full(shape, np.nan, np.float32), np.full(shape, -1, np.int32)
    cpu.max_pool_forward(want, want_argmax, image, *window)
    out, argmax = poisoned(shape), poisoned(shape, np.int32)
    gpu.max_pool_forward(out, argmax, cuda.to_device(image), *window)
    return want, want_argmax, out.copy_to_host(), argmax.copy_to_host()


@pytest.mark.parametrize(("shape", "window", "ceil"), CASES, ids=IDS)
def test_max_pool_forward(shape, window, ceil):
    image = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    want, want_argmax, got, got_argmax = max_forward_both(image, window, ceil)
    kh, kw, ph, pw, sh, sw = window
    np.testing.assert_array_equal(
        want, reference.pool2d(image, (kh, kw), (ph, pw), (sh, sw), want.shape[2:], "MAX")
    )
    n, c = np.indices(want.shape)[:2]
    np.testing.assert_array_equal(image.reshape(*shape[:2], -1)[n, c, want_argmax], want)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_argmax, want_argmax)


def test_ties_go_to_the_first_maximum_on_both_backends():
    image = np.random.default_rng(1).integers(0, 3, (2, 2, 6, 6)).astype(np.float32)
    want, want_argmax, got, got_argmax = max_forward_both(image, (3, 3, 1, 1, 2, 2), True)
    np.testing.assert_array_equal(got_argmax, want_argmax)
    # the first maximum in row-major order within the (clipped) window
    n, c, y, x = 0, 1, 1, 1
    window = image[n, c, 1:4, 1:4]
    first = np.argmax(window)
    assert want_argmax[n, c, y, x] == (1 + first // 3) * 6 + 1 + first % 3


@pytest.mark.parametrize(("shape", "window", "ceil"), CASES, ids=IDS)
def test_max_pool_backward_gathers_what_the_cpu_scatters(shape, window, ceil):
    rng = np.random.default_rng(2)
    image = rng.standard_normal(shape).astype(np.float32)
    _, argmax, _, _ = max_forward_both(image, window, ceil)
    out_diff = rng.standard_normal(argmax.shape).astype(np.float32)
    want = np.full(shape, np.nan, np.float32)
    cpu.max_pool_backward(want, out_diff, argmax, *window)
    expected = np.zeros((*shape[:2], shape[2] * shape[3]), np.float64)
    n, c = np.indices(argmax.shape)[:2]
    np.add.at(expected, (n, c, argmax), out_diff)
    assert_close(want, expected.reshape(shape), 1e-6)
    image_diff = poisoned(shape)
    gpu.max_pool_backward(image_diff, cuda.to_device(out_diff), cuda.to_device(argmax), *window)
    got = image_diff.copy_to_host()
    assert_close(got, want)
    np.testing.assert_array_equal(got, want)  # same order of addition: the same sums


@pytest.mark.parametrize(("shape", "window", "ceil"), CASES, ids=IDS)
def test_ave_pool_forward(shape, window, ceil):
    image = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    kh, kw, ph, pw, sh, sw = window
    oshape = out_shape(shape, window, ceil)
    want = np.full(oshape, np.nan, np.float32)
    cpu.ave_pool_forward(want, image, *window)
    assert_close(want, reference.pool2d(image, (kh, kw), (ph, pw), (sh, sw), oshape[2:], "AVE"), 1e-6)
    out = poisoned(oshape)
    gpu.ave_pool_forward(out, cuda.to_device(image), *window)
    assert_close(out.copy_to_host(), want)


@pytest.mark.parametrize(("shape", "window", "ceil"), CASES, ids=IDS)
def test_ave_pool_backward_is_the_adjoint(shape, window, ceil):
    rng = np.random.default_rng(4)
    oshape = out_shape(shape, window, ceil)
    out_diff = rng.standard_normal(oshape).astype(np.float32)
    want = np.full(shape, np.nan, np.float32)
    cpu.ave_pool_backward(want, out_diff, *window)
    # <pool(x), g> == <x, pool_backward(g)> for every x: check on the unit images, all at once
    kh, kw, ph, pw, sh, sw = window
    n, c, height, width = shape
    basis = np.eye(height * width, dtype=np.float64).reshape(height * width, 1, height, width)
    pooled = reference.pool2d(basis, (kh, kw), (ph, pw), (sh, sw), oshape[2:], "AVE")[:, 0]
    expected = np.einsum("pyx,ncyx->ncp", pooled, out_diff).reshape(shape)
    assert_close(want, expected, 1e-6)
    image_diff = poisoned(shape)
    gpu.ave_pool_backward(image_diff, cuda.to_device(out_diff), *window)
    assert_close(image_diff.copy_to_host(), want)


@pytest.mark.gpu
@pytest.mark.parametrize("window", [(3, 3, 0, 0, 2, 2), (2, 2, 0, 0, 2, 2), (8, 8, 0, 0, 1, 1)])
def test_real_sizes(window):
    shape = (100, 32, 32, 32) if window[0] < 8 else (100, 32, 8, 8)
    rng = np.random.default_rng(5)
    image = rng.standard_normal(shape).astype(np.float32)
    want, want_argmax, got, got_argmax = max_forward_both(image, window, True)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_argmax, want_argmax)
    out_diff = rng.standard_normal(want.shape).astype(np.float32)
    for name, args in (("max", (want_argmax,)), ("ave", ())):
        expected = np.empty(shape, np.float32)
        getattr(cpu, f"{name}_pool_backward")(expected, out_diff, *args, *window)
        image_diff = poisoned(shape)
        getattr(gpu, f"{name}_pool_backward")(
            image_diff, cuda.to_device(out_diff), *map(cuda.to_device, args), *window
        )
        assert_close(image_diff.copy_to_host(), expected)
