"""Dropout: the CUDA mask is the CPU mask, bit for bit (the CPU op is checked against the hash's definition
in tests/kernels/test_cpu_dropout.py)."""

import numpy as np
import pytest
from numba import cuda

from pyrpudl.kernels.cpu.dropout import dropout_forward as cpu_dropout
from pyrpudl.kernels.cuda.dropout import dropout_forward as gpu_dropout
from tests.cuda.conftest import poisoned


def both(x, ratio, keys):
    out, mask = np.empty_like(x), np.empty_like(x)
    cpu_dropout(out, mask, x, ratio, *keys)
    d_out, d_mask = poisoned(x.shape), poisoned(x.shape)
    gpu_dropout(d_out, d_mask, cuda.to_device(x), ratio, *keys)
    return (out, mask), (d_out.copy_to_host(), d_mask.copy_to_host())


@pytest.mark.parametrize(
    ("ratio", "keys"), [(0.4, (7, 3, 12345)), (0.5, (2**32 + 9, 2**31, 0)), (0.0, (1, 2, 3))]
)
def test_the_mask_is_the_same_bits_on_both_backends(ratio, keys):
    x = np.random.default_rng(0).standard_normal(600).astype(np.float32)
    (out, mask), (d_out, d_mask) = both(x, ratio, keys)
    np.testing.assert_array_equal(d_mask, mask)
    np.testing.assert_array_equal(d_out, out)
    scale = np.float32(1) / (np.float32(1) - np.float32(ratio))
    assert set(np.unique(mask)) <= {np.float32(0), scale}
    if ratio == 0:
        assert (mask == 1).all()


@pytest.mark.gpu
def test_a_million_units():
    x = np.random.default_rng(1).standard_normal(1_000_000).astype(np.float32)
    (out, mask), (d_out, d_mask) = both(x, 0.5, (123, 4, 5678))
    np.testing.assert_array_equal(d_mask, mask)
    np.testing.assert_array_equal(d_out, out)


def test_stochastic_pooling_draws_what_the_cpu_draws():
    """The same hash, the same float32 sums in the same order: the same picks and values."""
    from pyrpudl.kernels.cpu import dropout as cpu_ops
    from pyrpudl.kernels.cuda import dropout as gpu_ops

    image = np.random.default_rng(7).random((1, 2, 5, 6)).astype(np.float32)
    out, index = np.empty((1, 2, 2, 3), np.float32), np.empty((1, 2, 2, 3), np.int32)
    cpu_ops.stochastic_pool_forward(out, index, image, 3, 2, 2, 2, 5, 1, 9)
    d_out, d_index = poisoned(out.shape), poisoned(index.shape, np.int32)
    d_image = cuda.to_device(image)
    gpu_ops.stochastic_pool_forward(d_out, d_index, d_image, 3, 2, 2, 2, 5, 1, 9)
    np.testing.assert_array_equal(d_index.copy_to_host(), index)
    np.testing.assert_array_equal(d_out.copy_to_host(), out)
    expected = np.empty_like(out)
    cpu_ops.stochastic_pool_test(expected, image, 3, 2, 2, 2)
    d_expected = poisoned(out.shape)
    gpu_ops.stochastic_pool_test(d_expected, d_image, 3, 2, 2, 2)
    np.testing.assert_allclose(d_expected.copy_to_host(), expected, rtol=1e-6)
