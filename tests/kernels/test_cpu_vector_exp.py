"""The vectorizable float32 exp (kernels/cpu/vector_exp.py) against float64's."""

import numba
import numpy as np

from pyrpudl.kernels.cpu import vector_exp as ve


@numba.njit
def _exp_into(out, bits, x):
    for i in range(x.shape[0]):
        out[i], bits[i] = ve.exp_parts(x[i])
    scales = bits.view(np.float32)
    for i in range(x.shape[0]):
        out[i] *= scales[i]


def vector_exp(x):
    """exp(x) as its callers compute it: the two parts, then their product."""
    x = np.asarray(x, np.float32)
    out = np.empty_like(x)
    _exp_into(out, np.empty(x.shape, np.int32), x)
    return out


def test_relative_error_below_one_in_a_million_over_the_whole_range():
    x = np.linspace(float(ve.LOW), float(ve.HIGH), 2_000_001, dtype=np.float32)
    relative = np.abs(vector_exp(x) / np.exp(x.astype(np.float64)) - 1)
    assert relative.max() < 1e-6


def test_exact_points_and_powers_of_two():
    np.testing.assert_array_equal(vector_exp([0.0]), [1.0])
    x = (np.arange(-125, 127) * np.log(2)).astype(np.float32)  # near the exponent steps
    np.testing.assert_allclose(vector_exp(x), np.exp(x.astype(np.float64)), rtol=1e-6)


def test_clips_outside_the_range_and_keeps_nan():
    out = vector_exp([np.nan, -1e4, 1e4, np.inf, -np.inf])
    assert np.isnan(out[0])
    np.testing.assert_allclose(out[1:], np.exp(np.float64([ve.LOW, ve.HIGH, ve.HIGH, ve.LOW])), rtol=1e-6)
    assert np.isfinite(out[1:]).all()
