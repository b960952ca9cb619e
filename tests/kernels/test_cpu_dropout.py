"""The CPU dropout op: its hash against a pure-Python statement of the definition, the keep rate, the keys."""

import numba
import numpy as np
import pytest

from pyrpudl.kernels.cpu.dropout import dropout_forward
from tests.reference import fmix32, python_uniform


def masks(ratio, keys, n=100_000):
    x = np.ones(n, np.float32)
    out, mask = np.full_like(x, np.nan), np.full_like(x, np.nan)
    dropout_forward(out, mask, x, ratio, *keys)
    np.testing.assert_array_equal(out, mask)
    return mask


@pytest.mark.parametrize("keys", [(0, 0, 0), (7, 3, 12345), (2**32 + 7, 3, 12345), (-1, 2**31, 99)])
def test_the_hash_is_the_documented_one(keys):
    x = np.random.default_rng(0).standard_normal(300).astype(np.float32)
    out, mask = np.empty_like(x), np.empty_like(x)
    ratio = 0.4
    dropout_forward(out, mask, x, ratio, *keys)
    u = np.array([python_uniform(*keys, i) for i in range(x.size)], np.float32)
    scale = np.float32(1) / (np.float32(1) - np.float32(ratio))
    want = np.where(u >= np.float32(ratio), scale, np.float32(0)).astype(np.float32)
    np.testing.assert_array_equal(mask, want)
    np.testing.assert_array_equal(out, x * want)


def test_the_cuda_hash_compiled_by_numba_gives_the_same_bits():
    """Numba types uint32 * uint32 as uint64 on a GPU too (the simulator, on NumPy scalars, would hide a
    missing mask): compile the CUDA module's mixer with Numba and compare it with the definition."""
    from pyrpudl.kernels.cuda import dropout as gpu

    mix = numba.njit(gpu._fmix32.py_func)
    values = np.random.default_rng(1).integers(0, 2**32, 1000, dtype=np.uint64)
    for value in values:
        assert int(mix(value)) == fmix32(int(value))


def test_the_keep_rate_is_one_minus_the_ratio_and_keys_change_the_mask():
    first = masks(0.3, (0, 1, 2))
    assert abs((first > 0).mean() - 0.7) < 0.005  # 100k draws: the standard deviation is 0.0014
    assert set(np.unique(first)) == {0.0, np.float32(1) / np.float32(0.7)}
    for other in ((0, 1, 3), (0, 2, 2), (1, 1, 2)):  # another iteration, layer, seed
        second = masks(0.3, other)
        assert not np.array_equal(first, second)
        agree = ((first > 0) == (second > 0)).mean()
        assert abs(agree - (0.7**2 + 0.3**2)) < 0.01  # independent masks agree by chance only
    np.testing.assert_array_equal(first, masks(0.3, (0, 1, 2)))  # reproducible
    kept = (first > 0).astype(float)
    assert abs(np.corrcoef(kept[:-1], kept[1:])[0, 1]) < 0.02  # neighbours are not correlated
    assert abs((masks(0.9, (4, 4, 4)) > 0).mean() - 0.1) < 0.005


def test_ratio_zero_keeps_every_unit_unscaled():
    assert (masks(0.0, (5, 5, 5), n=1000) == 1).all()
