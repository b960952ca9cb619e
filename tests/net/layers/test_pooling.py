import numpy as np
import pytest

from pyrpudl.errors import InputError
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


STOCHASTIC = 'name: "p" type: "Pooling" pooling_param { pool: STOCHASTIC kernel_size: 3 stride: 2 }'


def windows(x, k=3, s=2):
    """Each output's window (Caffe's, clipped at the image's edge, no padding), in row-major order."""
    _, _, h, w = x.shape
    oh, ow = -(-(h - k) // s) + 1, -(-(w - k) // s) + 1
    return [[(y * s, min(y * s + k, h), xx * s, min(xx * s + k, w)) for xx in range(ow)] for y in range(oh)]


def test_stochastic_pooling_draws_a_windows_value_and_tests_with_its_expectation():
    x = np.random.default_rng(0).random((2, 3, 7, 6)) + 0.01  # positive, as after a ReLU
    layer = make_layer(STOCHASTIC, [x.shape])
    layer.keys = (1, 2, 3)
    drawn = layer.forward([x], True)[0].copy()  # the layer reuses its output buffer
    index = layer._buffers["argmax"]
    for n in range(2):
        for c in range(3):
            for y, row in enumerate(windows(x)):
                for xx, (y0, y1, x0, x1) in enumerate(row):
                    where = index[n, c, y, xx]
                    assert y0 <= where // 6 < y1 and x0 <= where % 6 < x1  # one of its window's values
                    assert drawn[n, c, y, xx] == x[n, c, where // 6, where % 6]
    again = layer.forward([x], True)[0].copy()
    np.testing.assert_array_equal(again, drawn)  # the same keys draw the same values
    layer.keys = (1, 2, 4)
    assert not np.array_equal(layer.forward([x], True)[0], drawn)  # the next iteration draws anew
    (tested,) = layer.forward([x], False)
    y0, y1, x0, x1 = windows(x)[1][2]
    part = x[1, 2, y0:y1, x0:x1]
    assert tested[1, 2, 1, 2] == pytest.approx((part**2).sum() / part.sum())


def test_stochastic_draws_follow_the_values_and_the_gradient_goes_to_the_drawn_one():
    """A window of values 1, 2 and 7: drawn about 1/10, 2/10 and 7/10 of the time over many keys."""
    x = np.zeros((1, 1, 1, 3))
    x[0, 0, 0] = (1, 2, 7)
    layer = make_layer('name: "p" type: "Pooling" pooling_param { pool: STOCHASTIC kernel_h: 1 kernel_w: 3 }',
                       [x.shape])  # fmt: skip
    counts = np.zeros(3)
    for step in range(2000):
        layer.keys = (0, 0, step)
        layer.forward([x], True)
        counts[layer._buffers["argmax"][0, 0, 0, 0]] += 1
    np.testing.assert_allclose(counts / 2000, [0.1, 0.2, 0.7], atol=0.03)
    (dx,) = layer.backward([np.ones((1, 1, 1, 1))], [x], [None])
    assert dx.sum() == 1 and dx[0, 0, 0, layer._buffers["argmax"][0, 0, 0, 0]] == 1
    layer.forward([x], False)
    with pytest.raises(InputError, match="test pass has no gradient"):
        layer.backward([np.ones((1, 1, 1, 1))], [x], [None])


def test_stochastic_pooling_refuses_padding():
    with pytest.raises(InputError, match="STOCHASTIC pooling takes no padding"):
        make_layer(STOCHASTIC.replace("stride: 2", "stride: 2 pad: 1"), [(1, 1, 6, 6)])


def test_a_lenet_with_stochastic_pooling_trains_resumes_exactly_and_tests(model):
    """pool1 STOCHASTIC after a ReLU: training draws from (seed, layer, iteration), so two runs in
    two calls equal one run; prediction uses the expectation."""
    from pyrpudl.model import create_model, predict
    from pyrpudl.solver.trainer import train
    from tests.solver.conftest import LENET, sgd

    old = 'layer {\n  name: "pool1"'
    text = LENET.read_text().replace(
        old, f'layer {{ name: "r" type: "ReLU" bottom: "conv1" top: "conv1" }}\n{old}'
    )
    first_pool = '    pool: MAX\n    kernel_size: 2\n    stride: 2\n  }\n}\nlayer {\n  name: "conv2"'
    text = text.replace(first_pool, first_pool.replace("MAX", "STOCHASTIC"), 1)
    assert "STOCHASTIC" in text
    stochastic = create_model(text, model.source, seed=2)
    whole = train(stochastic, batch=4, iterations=4, solver=sgd(), report=False).model
    half = train(stochastic, batch=4, iterations=2, solver=sgd(), report=False).model
    halves = train(half, batch=4, iterations=2, solver=sgd(), report=False).model
    np.testing.assert_array_equal(halves.params.data, whole.params.data)
    assert np.isfinite(whole.cost_log).all()
    x = model.source.test_images.reshape(len(model.source.test_images), -1)
    np.testing.assert_array_equal(predict(whole, x), predict(whole, x))  # no draws in testing
