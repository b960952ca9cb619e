import numpy as np
import pytest

from tests import reference
from tests.net.layers.helpers import check_gradients, make_layer

CASES = {
    "ceil overhang": ("kernel_size: 3 stride: 2", (2, 2, 8, 8)),
    "pad with clipped last window": ("kernel_size: 2 stride: 2 pad: 1", (1, 2, 5, 5)),
    "pad 1 stride 2": ("kernel_size: 3 stride: 2 pad: 1", (1, 1, 7, 6)),
    "floor mode": ("kernel_size: 3 stride: 2 round_mode: FLOOR", (1, 2, 8, 8)),
}


def pool(method: str, params: str, shape):
    return make_layer(f'name: "p" type: "Pooling" pooling_param {{ pool: {method} {params} }}', [shape])


@pytest.mark.parametrize("method", ["MAX", "AVE"])
@pytest.mark.parametrize("params, shape", CASES.values(), ids=CASES.keys())
def test_forward_matches_the_reference(method, params, shape):
    layer = pool(method, params, shape)
    image = np.random.default_rng(0).standard_normal(shape)
    w = layer.window
    want = reference.pool2d(image, (w.kh, w.kw), (w.ph, w.pw), (w.sh, w.sw), layer.top_shapes[0][2:], method)
    np.testing.assert_allclose(layer.forward([image], True)[0], want, rtol=1e-12)


@pytest.mark.parametrize("method", ["MAX", "AVE"])
@pytest.mark.parametrize("params, shape", CASES.values(), ids=CASES.keys())
def test_gradients_match_finite_differences(method, params, shape):
    # distinct values, so that no finite-difference step changes which element is the maximum
    image = np.random.default_rng(1).permutation(np.prod(shape)).reshape(shape) / 10.0
    check_gradients(pool(method, params, shape), [image])


def test_max_gives_the_gradient_to_the_first_maximum_only():
    layer = pool("MAX", "kernel_size: 2 stride: 2", (1, 1, 2, 2))
    image = np.ones((1, 1, 2, 2))
    layer.forward([image], True)
    (diff,) = layer.backward([np.ones((1, 1, 1, 1))], [image], None)
    assert diff.ravel().tolist() == [1.0, 0.0, 0.0, 0.0]


def test_global_average_pooling():
    layer = pool("AVE", "global_pooling: true", (2, 3, 4, 5))
    image = np.random.default_rng(5).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(layer.forward([image], True)[0][..., 0, 0], image.mean(axis=(2, 3)))
