import numpy as np
import pytest

from pyrpudl.kernels.cpu.sgd import clip_gradients, sgd_update, solver_update
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


def _buffers(n, seed):
    rng = np.random.default_rng(seed)
    data, diff = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    lr_mult = rng.choice([1.0, 2.0], n).astype(np.float32)
    decay_mult = rng.choice([0.0, 1.0], n).astype(np.float32)
    return data, diff, lr_mult, decay_mult


# momentum, momentum2, rms_decay, delta per type, as Caffe's example solvers set them
SETTINGS = {"SGD": (0.9, 0.999, 0.99, 1e-8), "Nesterov": (0.9, 0.999, 0.99, 1e-8),
            "AdaGrad": (0.0, 0.999, 0.99, 1e-8), "RMSProp": (0.0, 0.999, 0.98, 1e-8),
            "AdaDelta": (0.95, 0.999, 0.99, 1e-6), "Adam": (0.9, 0.999, 0.99, 1e-8)}  # fmt: skip


@pytest.mark.parametrize("l1", [False, True])
@pytest.mark.parametrize("kind", reference.SOLVER_TYPES)
def test_each_solver_type_matches_caffes_formulas_over_several_steps(kind, l1):
    data, _, lr_mult, decay_mult = _buffers(777, 1)
    history, history2 = np.zeros_like(data), np.zeros_like(data)
    want = (data.astype(np.float64), np.zeros(data.size), np.zeros(data.size))
    rng = np.random.default_rng(2)
    # the reference takes the constants as the kernel sees them, rounded to float32 (1 - 0.999 is
    # 1.3e-5 off in float32, which Adam's square root of its second history shows)
    momentum, momentum2, rms_decay, delta = (float(np.float32(v)) for v in SETTINGS[kind])
    for step, rate in enumerate((0.01, 0.02, 0.005, 0.01)):  # fresh gradients each step: the histories count
        diff = rng.standard_normal(data.size).astype(np.float32)
        want = reference.solver_update(kind, *want, diff, lr_mult, decay_mult, rate, momentum, momentum2,
                                       rms_decay, delta, 0.004, l1)  # fmt: skip
        solver_update(data, history, history2, diff, lr_mult, decay_mult, np.float32(rate),
                      reference.SOLVER_TYPES.index(kind),
                      *map(np.float32, (momentum, momentum2, rms_decay, delta, 0.004)), l1)  # fmt: skip
        np.testing.assert_allclose(data, want[0], rtol=1e-5, atol=1e-6, err_msg=f"step {step}")
        np.testing.assert_allclose(history, want[1], rtol=1e-5, atol=1e-6, err_msg=f"step {step}")
        np.testing.assert_allclose(history2, want[2], rtol=1e-5, atol=1e-6, err_msg=f"step {step}")
    assert not np.array_equal(data, _buffers(777, 1)[0])


def test_sgd_through_the_general_update_equals_sgd_update_bit_for_bit():
    data, diff, lr_mult, decay_mult = _buffers(500, 3)
    history = np.random.default_rng(4).standard_normal(500).astype(np.float32)
    want_data, want_history = data.copy(), history.copy()
    hyper = map(np.float32, (0.01, 0.9, 0.004))
    sgd_update(want_data, want_history, diff, lr_mult, decay_mult, *hyper, False)
    history2 = np.full(500, 7.0, np.float32)
    solver_update(data, history, history2, diff, lr_mult, decay_mult, np.float32(0.01), 0,
                  *map(np.float32, (0.9, 0.999, 0.99, 1e-8, 0.004)), False)  # fmt: skip
    np.testing.assert_array_equal(data, want_data)
    np.testing.assert_array_equal(history, want_history)
    assert np.all(history2 == 7.0)  # SGD has one history; the second is left alone


def test_clip_gradients_shortens_only_a_gradient_longer_than_the_threshold():
    diff = np.random.default_rng(5).standard_normal(1000).astype(np.float32)
    norm = np.linalg.norm(diff.astype(np.float64))
    short = diff.copy()
    clip_gradients(short, norm / 4)
    np.testing.assert_allclose(short, diff / 4, rtol=1e-6)  # the same direction, a quarter as long
    kept = diff.copy()
    clip_gradients(kept, norm * 1.01)
    np.testing.assert_array_equal(kept, diff)
