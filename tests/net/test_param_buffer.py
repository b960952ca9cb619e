import numpy as np
import pytest

from pyrpudl.net import infer_shapes, layers_for_phase, parse_net
from pyrpudl.net.param_buffer import ParamBuffer
from tests import reference
from tests.net.test_prototxt import CAFFE


@pytest.fixture
def quick():
    layers = layers_for_phase(parse_net(CAFFE / "cifar10_quick_train_test.prototxt"), "TRAIN")
    shapes = infer_shapes(layers, (3, 32, 32), batch=4)
    return ParamBuffer.build(layers, shapes, np.random.default_rng(7))


def test_every_parameter_lives_in_one_buffer_and_layers_see_views(quick):
    assert quick.data.size == 145_578
    conv1 = quick.weights("conv1")
    assert conv1.shape == (32, 3, 5, 5) and np.shares_memory(conv1, quick.data)
    assert quick.weights("ip1").shape == (64, 1024)
    conv1[0, 0, 0, 0] = 42.0
    assert 42.0 in quick.data


def test_fillers_and_multipliers_come_from_the_prototxt(quick):
    assert quick.weights("conv1").std() == pytest.approx(1e-4, rel=0.05)  # gaussian std 0.0001
    assert not quick.weights("conv1", 1).any()  # bias: constant 0
    bias_offset, _ = quick.slots["conv1"][1]
    weight_offset, _ = quick.slots["conv1"][0]
    assert quick.lr_mult[bias_offset] == 2 and quick.lr_mult[weight_offset] == 1
    assert (quick.decay_mult == 1).all()


def test_the_same_seed_gives_the_same_net():
    layers = layers_for_phase(parse_net(CAFFE / "lenet_train_test.prototxt"), "TRAIN")
    shapes = infer_shapes(layers, (1, 28, 28))
    a, b = (ParamBuffer.build(layers, shapes, np.random.default_rng(1)) for _ in range(2))
    np.testing.assert_array_equal(a.data, b.data)


def test_one_sgd_step_updates_all_parameters_as_caffe_does(quick):
    rng = np.random.default_rng(3)
    quick.diff[:] = rng.standard_normal(quick.diff.size).astype(np.float32)
    quick.history[:] = rng.standard_normal(quick.diff.size).astype(np.float32) * 1e-3
    want = reference.sgd_update(quick.data.copy(), quick.history.copy(), quick.diff, quick.lr_mult,
                                quick.decay_mult, 0.001, 0.9, 0.004)  # fmt: skip
    quick.sgd_step(0.001, 0.9, 0.004)
    np.testing.assert_allclose(quick.data, want[0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(quick.history, want[1], rtol=1e-5, atol=1e-8)
