import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.net.fillers import fill
from pyrpudl.proto import rpudl_model_pb2 as pb

SHAPE = (64, 32, 5, 5)  # fan-in 800, fan-out 1600


def draw(**fields):
    return fill(pb.FillerParameter(**fields), SHAPE, np.random.default_rng(0))


def test_constant_is_the_default_with_value_zero():
    assert not fill(None, (3,), np.random.default_rng(0)).any()
    assert (draw(type="constant", value=0.5) == 0.5).all()


def test_random_fillers_have_caffes_spreads():
    gaussian = draw(type="gaussian", std=0.01)
    assert gaussian.dtype == np.float32 and gaussian.std() == pytest.approx(0.01, rel=0.02)
    xavier = draw(type="xavier")
    assert np.abs(xavier).max() <= np.sqrt(3 / 800) and xavier.std() == pytest.approx(
        np.sqrt(1 / 800), rel=0.02
    )
    assert draw(type="xavier", variance_norm=pb.FillerParameter.FAN_OUT).std() == pytest.approx(
        np.sqrt(1 / 1600), rel=0.02
    )
    assert draw(type="msra").std() == pytest.approx(np.sqrt(2 / 800), rel=0.02)
    uniform = draw(type="uniform", min=-2, max=3)
    assert uniform.min() >= -2 and uniform.max() <= 3


def test_fillers_are_reproducible_with_a_seed():
    np.testing.assert_array_equal(draw(type="gaussian"), draw(type="gaussian"))


def test_unknown_fillers_are_named():
    with pytest.raises(InputError, match="unknown filler type 'bilinear'; choose one of constant"):
        draw(type="bilinear")


def test_sparse_gaussian_keeps_a_share_of_sparse_over_outputs():
    """Caffe's sparse: each value survives with probability sparse / shape[0]."""
    shape = (200, 300)
    values = fill(pb.FillerParameter(type="gaussian", std=1, sparse=15), shape, np.random.default_rng(0))
    kept = values != 0
    assert kept.mean() == pytest.approx(15 / 200, rel=0.05)
    assert values[kept].std() == pytest.approx(1.0, rel=0.05)
    dense = fill(pb.FillerParameter(type="gaussian", std=1, sparse=-1), shape, np.random.default_rng(0))
    assert (dense != 0).all()
    with pytest.raises(InputError, match="sparse must be -1"):
        fill(pb.FillerParameter(type="gaussian", sparse=-2), shape, np.random.default_rng(0))
