import numpy as np
import pytest

from pyrpudl.errors import InputError
from tests import reference
from tests.net.layers.helpers import check_gradients, make_layer

rng = np.random.default_rng(0)


@pytest.mark.parametrize("size", [3, 4, 5])
def test_lrn_across_channels_matches_caffes_formula_and_its_gradient(size):
    spec = f'name: "n" type: "LRN" lrn_param {{ local_size: {size} alpha: 0.5 beta: 0.75 k: 2 }}'
    layer = make_layer(spec, [(2, 6, 3, 3)])
    x = rng.standard_normal((2, 6, 3, 3))
    want = reference.lrn_across_channels(x, size, 0.5, 0.75, 2.0)
    np.testing.assert_allclose(layer.forward([x], True)[0], want, rtol=1e-12)
    check_gradients(layer, [x])


def test_lrn_within_channel_matches_caffes_formula_and_its_gradient():
    spec = (
        'name: "n" type: "LRN" lrn_param { local_size: 3 alpha: 0.3 beta: 0.75 norm_region: WITHIN_CHANNEL }'
    )
    layer = make_layer(spec, [(2, 2, 5, 4)])
    x = rng.standard_normal((2, 2, 5, 4))
    np.testing.assert_allclose(layer.forward([x], True)[0], reference.lrn_within_channel(x, 3, 0.3, 0.75))
    check_gradients(layer, [x])


def test_dropout_scales_kept_units_at_training_and_passes_through_at_testing():
    layer = make_layer('name: "d" type: "Dropout" dropout_param { dropout_ratio: 0.25 }', [(200, 50)])
    x = np.ones((200, 50))
    out = layer.forward([x], True)[0]
    assert set(np.unique(out)) <= {0.0, 1 / 0.75}
    assert (out == 0).mean() == pytest.approx(0.25, abs=0.02)
    (diff,) = layer.backward([np.ones_like(x)], [x], [out])
    np.testing.assert_array_equal(diff, out)  # the gradient flows through the same kept units
    assert layer.forward([x], False)[0] is x
    with pytest.raises(InputError, match="dropout_ratio must be in"):
        make_layer('name: "d" type: "Dropout" dropout_param { dropout_ratio: 1.0 }', [(2, 2)])


def test_softmax_sums_to_one_and_its_gradient_checks():
    layer = make_layer('name: "s" type: "Softmax"', [(3, 5)])
    x = rng.standard_normal((3, 5))
    np.testing.assert_allclose(layer.forward([x], True)[0].sum(axis=1), 1.0)
    check_gradients(layer, [x])


def test_flatten_and_concat():
    flatten = make_layer('name: "f" type: "Flatten"', [(2, 3, 2, 2)])
    x = rng.standard_normal((2, 3, 2, 2))
    assert flatten.forward([x], True)[0].shape == (2, 12)
    check_gradients(flatten, [x])
    concat = make_layer('name: "c" type: "Concat"', [(2, 3, 2, 2), (2, 1, 2, 2)])
    parts = [x, rng.standard_normal((2, 1, 2, 2))]
    assert concat.forward(parts, True)[0].shape == (2, 4, 2, 2)
    check_gradients(concat, parts)


@pytest.mark.parametrize("operation", ["SUM", "PROD", "MAX"])
def test_eltwise_operations_and_gradients(operation):
    coeff = " coeff: 2 coeff: -1" if operation == "SUM" else ""
    layer = make_layer(
        f'name: "e" type: "Eltwise" eltwise_param {{ operation: {operation}{coeff} }}', [(2, 3)] * 2
    )
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    want = {"SUM": 2 * a - b, "PROD": a * b, "MAX": np.maximum(a, b)}[operation]
    np.testing.assert_allclose(layer.forward([a, b], True)[0], want)
    check_gradients(layer, [a, b])
