import numpy as np
import pytest

from pyrpudl.kernels.cpu.sgd import sgd_update
from tests import reference


@pytest.mark.parametrize("l1", [False, True])
def test_the_fused_update_matches_caffes_three_steps(l1):
    rng = np.random.default_rng(0)
    n = 1001
    data, history, diff = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    lr_mult = rng.choice([1.0, 2.0], n).astype(np.float32)
    decay_mult = rng.choice([0.0, 1.0], n).astype(np.float32)
    want_data, want_history = reference.sgd_update(
        data, history, diff, lr_mult, decay_mult, 0.01, 0.9, 0.004, l1
    )
    sgd_update(
        data, history, diff, lr_mult, decay_mult, np.float32(0.01), np.float32(0.9), np.float32(0.004), l1
    )
    np.testing.assert_allclose(data, want_data, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(history, want_history, rtol=1e-6, atol=1e-7)


def test_a_hand_computed_caffe_step():
    # w = 2, grad = 0.5, weight decay 0.1 (decay_mult 1), lr 0.1 (lr_mult 2), momentum 0.9, V = 1:
    # g = 0.5 + 0.1 * 2 = 0.7; V = 0.9 * 1 + 0.2 * 0.7 = 1.04; w = 2 - 1.04 = 0.96
    data, history = np.array([2.0], np.float32), np.array([1.0], np.float32)
    one, two = np.array([1.0], np.float32), np.array([2.0], np.float32)
    sgd_update(
        data,
        history,
        np.array([0.5], np.float32),
        two,
        one,
        np.float32(0.1),
        np.float32(0.9),
        np.float32(0.1),
        False,
    )
    assert history[0] == pytest.approx(1.04) and data[0] == pytest.approx(0.96)
