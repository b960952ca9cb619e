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
    with pytest.raises(InputError, match="unknown filler type 'lanczos'; choose one of constant"):
        draw(type="lanczos")


def test_positive_unitball_rows_are_positive_and_sum_to_one():
    values = draw(type="positive_unitball")
    assert values.min() >= 0 and values.max() <= 1
    np.testing.assert_allclose(values.reshape(SHAPE[0], -1).sum(axis=1), 1, rtol=1e-5)


def test_bilinear_kernels_interpolate():
    kernels = fill(pb.FillerParameter(type="bilinear"), (3, 1, 4, 4), np.random.default_rng(0))
    line = np.array([0.25, 0.75, 0.75, 0.25])
    assert all(np.array_equal(kernel[0], np.outer(line, line)) for kernel in kernels)
    odd = fill(pb.FillerParameter(type="bilinear"), (1, 1, 5, 5), np.random.default_rng(0))[0, 0]
    np.testing.assert_allclose(odd[2], [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3])
    with pytest.raises(InputError, match="square kernels .* not a blob of shape 2 x 1 x 3 x 4"):
        fill(pb.FillerParameter(type="bilinear"), (2, 1, 3, 4), np.random.default_rng(0))


def test_caffes_bilinear_upsampling_recipe_interpolates_linearly():
    """kernel 2s - s % 2, stride s, pad ceil((s - 1) / 2), a group per channel: s times the size,
    a linear ramp upsampled to a linear ramp away from the borders."""
    from tests.net.layers.helpers import make_layer

    for s in (2, 3, 4):
        params = (f"num_output: 2 group: 2 kernel_size: {2 * s - s % 2} stride: {s} pad: {-(-(s - 1) // 2)} "
                  'bias_term: false weight_filler { type: "bilinear" }')  # fmt: skip
        layer = make_layer(
            f'name: "up" type: "Deconvolution" convolution_param {{ {params} }}', [(1, 2, 6, 6)]
        )
        layer.params[0][...] = fill(layer.spec.convolution_param.weight_filler, layer.params[0].shape, None)
        ramp = np.broadcast_to(np.arange(6.0), (1, 2, 6, 6))
        up = layer.forward([ramp], train=False)[0]
        assert up.shape == (1, 2, 6 * s, 6 * s)
        inner = up[0, 0, s : 5 * s, s : 5 * s]  # a row: (x - c) / s for output column x
        np.testing.assert_allclose(np.diff(inner, axis=1), 1 / s, atol=1e-6)
        np.testing.assert_allclose(np.diff(inner, axis=0), 0, atol=1e-6)


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
