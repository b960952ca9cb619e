"""Caffe's RNN and LSTM: forward against the unrolled equations, gradients by finite differences,
the hidden state carried from batch to batch, Caffe's parameter order and fillers, clear errors."""

import numpy as np
import pytest
from google.protobuf import text_format

from pyrpudl.net import parse_net
from pyrpudl.net.net import Net
from pyrpudl.net.shapes import SHAPE_RULES, ShapeError, infer_shapes
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests import reference
from tests.net.layers.helpers import central_differences, check_gradients, make_layer

T, N, D, H, S = 4, 3, 2, 3, 5  # timesteps, streams, inputs, hidden units, static inputs
RNG = np.random.default_rng(7)
X = RNG.standard_normal((T, N, D))
X_STATIC = RNG.standard_normal((N, S))
# stream 0 starts at t = 0 and again at t = 2; streams 1 and 2 go on from the last batch
CONT = np.array([[0, 1, 1], [1, 1, 0], [0, 1, 1], [1, 1, 1]], dtype=np.float64)
FRESH = CONT.copy()
FRESH[0] = 0  # every stream starts in this batch: the carried state plays no part


def recurrent(kind, static=False, dtype=np.float64, hidden=H, x_shape=(T, N, D)):
    text = f'name: "r" type: "{kind}" bottom: "x" bottom: "cont" recurrent_param {{ num_output: {hidden} }}'
    if static:
        text += ' bottom: "x_static"'
    shapes = [x_shape, x_shape[:2]] + ([(x_shape[1], S)] if static else [])
    layer = make_layer(text, shapes, dtype)
    for p in layer.params:
        p *= 0.5  # keep the tanh units off their flat ends
    return layer


def bottoms(static, cont=CONT, x=X):
    return [x, cont] + ([X_STATIC] if static else [])


@pytest.mark.parametrize("static", [False, True])
def test_lstm_follows_caffes_unrolled_net(static):
    layer = recurrent("LSTM", static)
    got = layer.forward(bottoms(static), train=False)[0]
    p = layer.params
    zeros = np.zeros((N, H))
    extra = (X_STATIC, p[2]) if static else ()
    want, _, _ = reference.lstm(X, CONT, p[0], p[1], p[-1], zeros, zeros, *extra)
    assert got.shape == (T, N, H) == layer.top_shapes[0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("static", [False, True])
def test_rnn_follows_caffes_unrolled_net(static):
    layer = recurrent("RNN", static)
    got = layer.forward(bottoms(static), train=False)[0]
    p = layer.params
    extra = (X_STATIC, p[2]) if static else ()
    want, _ = reference.rnn(X, CONT, p[0], p[1], p[-3], p[-2], p[-1], np.zeros((N, H)), *extra)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_trailing_input_axes_are_one_input_vector():
    x = RNG.standard_normal((T, N, 2, 2))
    layer = recurrent("LSTM", x_shape=x.shape)
    p = layer.params
    zeros = np.zeros((N, H))
    want, _, _ = reference.lstm(x.reshape(T, N, 4), CONT, p[0], p[1], p[-1], zeros, zeros)
    np.testing.assert_allclose(layer.forward([x, CONT], train=False)[0], want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
@pytest.mark.parametrize("static", [False, True])
def test_gradients_match_finite_differences(kind, static):
    layer = recurrent(kind, static)
    layer.propagate_down = [True, False] + ([True] if static else [])
    check_gradients(layer, bottoms(static, FRESH), skip_bottoms=(1,), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
def test_the_state_goes_on_into_the_next_batch(kind):
    """Two batches of 2 timesteps give what one batch of 4 does: h_0 of a batch is the last h_T
    (and c_T), Caffe's truncated backpropagation through time."""
    cont = np.ones((T, N))
    cont[0] = 0
    whole = recurrent(kind).forward([X, cont], train=False)[0].copy()
    halves = recurrent(kind, x_shape=(2, N, D))
    first = halves.forward([X[:2], cont[:2]], train=False)[0].copy()
    second = halves.forward([X[2:], cont[2:]], train=False)[0]
    np.testing.assert_allclose(np.concatenate([first, second]), whole, rtol=1e-12, atol=1e-14)


def test_cont_zero_starts_a_stream_afresh():
    layer = recurrent("LSTM")
    layer.forward([X, np.ones((T, N))], train=False)  # leaves a state behind
    again = layer.forward([X, FRESH], train=False)[0].copy()
    fresh = recurrent("LSTM").forward([X, FRESH], train=False)[0]
    np.testing.assert_allclose(again, fresh, rtol=1e-12, atol=1e-14)


def test_the_carried_state_is_a_constant_of_the_next_batchs_gradient():
    """Backpropagation stops at the batch's start: the gradient is that of the unrolled net with
    h_0 and c_0 fixed at the last batch's final state."""
    ones = np.ones((T, N))
    layer = recurrent("LSTM")
    layer.propagate_down = [True, False]
    layer.forward([X[::-1].copy(), ones], train=True)
    p = [q.copy() for q in layer.params]
    zeros = np.zeros((N, H))
    _, h0, c0 = reference.lstm(X[::-1], ones, p[0], p[1], p[-1], zeros, zeros)
    tops = layer.forward([X, ones], train=True)
    dy = RNG.standard_normal((T, N, H))
    dx = layer.backward([dy], [X, ones], tops)[0]
    x = X.copy()

    def objective():
        return float((reference.lstm(x, ones, p[0], p[1], p[-1], h0, c0)[0] * dy).sum())

    numeric = central_differences(x.reshape(-1), objective).reshape(x.shape)
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)
    for index in (0, len(p) - 1):  # W_xc and W_hc, whose gradient sees h_0
        w = p[index]
        numeric = central_differences(w.reshape(-1), objective).reshape(w.shape)
        np.testing.assert_allclose(layer.grads[index], numeric, rtol=1e-5, atol=1e-8)


def test_single_precision_agrees_with_double():
    double = recurrent("LSTM", static=True)
    single = recurrent("LSTM", static=True, dtype=np.float32)
    for p, q in zip(single.params, double.params, strict=True):
        p[...] = q
    b32 = [b.astype(np.float32) for b in bottoms(True)]
    np.testing.assert_allclose(
        single.forward(b32, train=True)[0], double.forward(bottoms(True), train=True)[0], rtol=1e-5, atol=1e-6
    )


NET = """
layer {{ name: "in" type: "Input" top: "x" top: "cont" {static_top}
        input_param {{ shape {{ dim: [4, 3, 2] }} shape {{ dim: [4, 3] }} {static_shape} }} }}
layer {{ name: "lstm" type: "{kind}" bottom: "x" bottom: "cont" {static_bottom} top: "h"
        recurrent_param {{ num_output: 5 weight_filler {{ type: "constant" value: 0.25 }}
                           bias_filler {{ type: "constant" value: -1 }} }} }}
"""


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
@pytest.mark.parametrize("static", [False, True])
def test_parameters_in_caffes_order_and_shapes_with_their_fillers(kind, static):
    text = NET.format(
        kind=kind,
        static_top='top: "s"' if static else "",
        static_shape="shape { dim: [3, 7] }" if static else "",
        static_bottom='bottom: "s"' if static else "",
    )
    net = Net(parse_net(text), "TEST", None, 3)
    gates = 20 if kind == "LSTM" else 5
    shapes = [(gates, 2), (gates,)] + ([(gates, 7)] if static else []) + [(gates, 5)]
    shapes += [(5, 5), (5,)] if kind == "RNN" else []
    assert net.shapes.params["lstm"] == shapes
    assert net.shapes.blobs["h"] == (4, 3, 5)
    for i, shape in enumerate(shapes):
        value = -1 if len(shape) == 1 else 0.25  # the bias filler for biases, the weight filler for weights
        assert np.all(net.params.weights("lstm", i) == value), (i, shape)


@pytest.mark.parametrize(
    ("param", "bottoms_", "message"),
    [
        ("num_output: 0", [(4, 3, 2), (4, 3)], "num_output"),
        ("num_output: 2 expose_hidden: true", [(4, 3, 2), (4, 3)], r"then the states h_0, c_0 \(1, N, H\)"),
        (
            "num_output: 2 expose_hidden: true",
            [(4, 3, 2), (4, 3), (1, 3, 2), (1, 3, 3)],
            r"state c_0 \(1, 3, 3\)",
        ),
        ("num_output: 2", [(4, 3, 2), (3, 4)], r"cont \(3, 4\) must have the shape \(timesteps, streams\)"),
        ("num_output: 2", [(4, 3, 2)], "needs bottoms x"),
        ("num_output: 2", [(4,), (4,)], "at least 2 axes"),
        ("num_output: 2", [(4, 3, 2), (4, 3), (2, 6)], "one row per stream"),
    ],
)
def test_bad_recurrent_layers_say_what_is_wrong(param, bottoms_, message):
    spec = text_format.Parse(f'name: "r" type: "LSTM" recurrent_param {{ {param} }}', pb.LayerParameter())
    spec.bottom.extend(["x", "cont", "a", "b"][: len(bottoms_)])
    with pytest.raises(ShapeError, match=message):
        SHAPE_RULES["LSTM"](spec, bottoms_)


MEMORY = """
layer { name: "in" type: "Input" top: "x" top: "cont" top: "label"
        input_param { shape { dim: [6, 32, 1] } shape { dim: [6, 32] } shape { dim: [1, 32] } } }
layer { name: "lstm" type: "LSTM" bottom: "x" bottom: "cont" top: "h"
        recurrent_param { num_output: 8 weight_filler { type: "uniform" min: -0.3 max: 0.3 } } }
layer { name: "slice" type: "Slice" bottom: "h" top: "early" top: "last"
        slice_param { axis: 0 slice_point: 5 } }
layer { name: "silence" type: "Silence" bottom: "early" }
layer { name: "score" type: "InnerProduct" bottom: "last" top: "score"
        inner_product_param { num_output: 2 axis: 2 weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss"
        softmax_param { axis: 2 } }
layer { name: "accuracy" type: "Accuracy" bottom: "score" bottom: "label" top: "accuracy"
        accuracy_param { axis: 2 } }
"""


def test_an_lstm_remembers_the_first_input_of_its_sequence():
    """The sign of x_0, told at the last of 6 timesteps after 5 of noise: beyond a feed-forward
    net's reach, learnt by the LSTM in a thousand plain gradient steps."""
    rng = np.random.default_rng(0)
    net = Net(parse_net(MEMORY), "TEST", None, 32, seed=0)
    cont = np.ones((6, 32), np.float32)
    cont[0] = 0

    def batch():
        x = rng.uniform(-1, 1, (6, 32, 1)).astype(np.float32)
        return {"x": x, "cont": cont, "label": (x[0, :, 0] > 0).astype(np.float32)[None]}

    for _ in range(1000):
        net.forward(batch(), train=True)
        net.backward()
        net.params.data -= 0.5 * net.params.diff
    accuracy = np.mean([float(net.forward(batch(), train=False)["accuracy"]) for _ in range(10)])
    assert accuracy > 0.95


def test_softmax_loss_and_accuracy_over_axis_2_are_axis_1_of_the_transposed_scores():
    scores = RNG.standard_normal((4, 3, 5)).astype(np.float32)  # (T, N, classes)
    labels = RNG.integers(0, 5, (4, 3)).astype(np.float32)
    by_axis = make_layer(
        'name: "l" type: "SoftmaxWithLoss" softmax_param { axis: 2 }', [scores.shape, labels.shape]
    )
    plain = make_layer('name: "l" type: "SoftmaxWithLoss"', [(12, 5), (12,)])
    loss = float(by_axis.forward([scores, labels], train=True)[0])
    want = float(plain.forward([scores.reshape(12, 5), labels.reshape(12)], train=True)[0])
    assert loss == pytest.approx(want, rel=1e-6)
    grad = by_axis.backward([np.float32(1)], [scores, labels], None)[0]
    np.testing.assert_allclose(
        grad,
        plain.backward([np.float32(1)], [scores.reshape(12, 5), labels.reshape(12)], None)[0].reshape(
            4, 3, 5
        ),
    )
    top = make_layer('name: "a" type: "Accuracy" accuracy_param { axis: -1 }', [scores.shape, labels.shape])
    right = (scores.argmax(axis=2) == labels).mean()
    assert float(top.forward([scores, labels], train=False)[0]) == pytest.approx(right)


def test_labels_that_do_not_fit_the_class_axis_are_named():
    net = MEMORY.replace("shape { dim: [1, 32] }", "shape { dim: [32, 2] }")
    with pytest.raises(ShapeError, match=r"64 labels \(32, 2\) for scores of shape \(1, 32, 2\).*axis 2"):
        infer_shapes(parse_net(net).layer, None, 32)


def _unrolled_step(t: int) -> str:
    """Timestep t of Caffe's unrolled LSTM (lstm_layer.cpp's FillUnrolledNet), as layers."""
    return f"""
layer {{ name: "h_conted_{t - 1}" type: "Scale" bottom: "h_{t - 1}" bottom: "cont_{t}" top: "h_conted_{t - 1}"
        scale_param {{ axis: 0 }} }}
layer {{ name: "transform_{t}" type: "InnerProduct" bottom: "h_conted_{t - 1}" top: "W_hc_h_{t - 1}"
        param {{ name: "W_hc" }} inner_product_param {{ num_output: 12 bias_term: false axis: 2
        weight_filler {{ type: "gaussian" std: 0.5 }} }} }}
layer {{ name: "gate_input_{t}" type: "Eltwise" bottom: "W_hc_h_{t - 1}" bottom: "W_xc_x_{t}"
        top: "gate_input_{t}" }}
layer {{ name: "unit_{t}" type: "LSTMUnit" bottom: "c_{t - 1}" bottom: "gate_input_{t}" bottom: "cont_{t}"
        top: "c_{t}" top: "h_{t}" }}
"""


UNROLLED = (
    """
layer { name: "in" type: "Input" top: "x" top: "cont" top: "h_0" top: "c_0" top: "target"
        input_param { shape { dim: [3, 2, 2] } shape { dim: [3, 2] } shape { dim: [1, 2, 3] }
                      shape { dim: [1, 2, 3] } shape { dim: [3, 2, 3] } } }
layer { name: "x_transform" type: "InnerProduct" bottom: "x" top: "W_xc_x"
        param { name: "W_xc" } param { name: "b_c" }
        inner_product_param { num_output: 12 axis: 2 weight_filler { type: "gaussian" std: 0.5 }
                              bias_filler { type: "gaussian" std: 0.5 } } }
layer { name: "cont_slice" type: "Slice" bottom: "cont" top: "cont_1" top: "cont_2" top: "cont_3"
        slice_param { axis: 0 } }
layer { name: "x_slice" type: "Slice" bottom: "W_xc_x" top: "W_xc_x_1" top: "W_xc_x_2" top: "W_xc_x_3"
        slice_param { axis: 0 } }
"""
    + "".join(_unrolled_step(t) for t in (1, 2, 3))
    + """
layer { name: "silence" type: "Silence" bottom: "c_3" }
layer { name: "h_concat" type: "Concat" bottom: "h_1" bottom: "h_2" bottom: "h_3" top: "h"
        concat_param { axis: 0 } }
layer { name: "loss" type: "EuclideanLoss" bottom: "h" bottom: "target" top: "loss" }
"""
)

FUSED = """
layer { name: "in" type: "Input" top: "x" top: "cont" top: "target"
        input_param { shape { dim: [3, 2, 2] } shape { dim: [3, 2] } shape { dim: [3, 2, 3] } } }
layer { name: "lstm" type: "LSTM" bottom: "x" bottom: "cont" top: "h" recurrent_param { num_output: 3 } }
layer { name: "loss" type: "EuclideanLoss" bottom: "h" bottom: "target" top: "loss" }
"""


def test_the_lstm_layer_is_caffes_unrolled_net_of_lstm_units():
    """The same weights in Caffe's own unrolled net (InnerProduct, Scale, Eltwise, Slice, Concat and
    LSTMUnit layers, W_hc shared by name across timesteps) and in the LSTM layer: the same h, loss
    and gradients."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 2))
    cont = np.array([[0, 1], [1, 1], [1, 0]], np.float64)
    target = rng.standard_normal((3, 2, 3))
    unrolled = Net(parse_net(UNROLLED), "TEST", None, 2, seed=1, dtype=np.float64)
    fused = Net(parse_net(FUSED), "TEST", None, 2, seed=1, dtype=np.float64)
    weights = [unrolled.params.weights("x_transform", i) for i in (0, 1)] + [
        unrolled.params.weights("transform_1")
    ]
    for i, w in enumerate(weights):
        fused.params.weights("lstm", i)[...] = w
    zeros = np.zeros((1, 2, 3))
    a = unrolled.forward({"x": x, "cont": cont, "h_0": zeros, "c_0": zeros, "target": target}, train=True)
    b = fused.forward({"x": x, "cont": cont, "target": target}, train=True)
    np.testing.assert_allclose(b["h"], a["h"], rtol=1e-12, atol=1e-14)
    unrolled.backward()
    fused.backward()
    grads = [unrolled.params.gradient("x_transform", i) for i in (0, 1)] + [
        unrolled.params.gradient("transform_1")
    ]
    for i, g in enumerate(grads):  # transform_1's gradient holds every timestep's (shared W_hc)
        np.testing.assert_allclose(fused.params.gradient("lstm", i), g, rtol=1e-10, atol=1e-14)


def test_lstm_unit_gradients_match_finite_differences():
    layer = make_layer('name: "u" type: "LSTMUnit"', [(1, 3, 2), (1, 3, 8), (1, 3)])
    layer.propagate_down = [True, True, False]
    c_prev, gates = RNG.standard_normal((1, 3, 2)), RNG.standard_normal((1, 3, 8))
    check_gradients(layer, [c_prev, gates, np.array([[0.0, 1.0, 1.0]])], skip_bottoms=(2,))
    with pytest.raises(ShapeError, match=r"the gates must be \(1, 3, 8\) and cont \(1, 3\)"):
        SHAPE_RULES["LSTMUnit"](layer.spec, [(1, 3, 2), (1, 3, 6), (1, 3)])


def exposed(kind, static=False):
    text = (
        f'name: "r" type: "{kind}" bottom: "x" bottom: "cont" recurrent_param {{ num_output: {H} '
        "expose_hidden: true }"
    )
    states = 2 if kind == "LSTM" else 1
    shapes = [(T, N, D), (T, N)] + ([(N, S)] if static else []) + [(1, N, H)] * states
    layer = make_layer(
        text
        + (' bottom: "s"' if static else "")
        + "".join(f' bottom: "{name}"' for name in ("h0", "c0")[:states]),
        shapes,
    )
    for p in layer.params:
        p *= 0.5
    return layer, states


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
@pytest.mark.parametrize("static", [False, True])
def test_exposed_states_go_in_and_come_out(kind, static):
    """expose_hidden: timestep 0 starts from the bottoms' states (not the last batch's), and the
    states after the last timestep are tops; a batch split in two and chained by hand through
    them gives the whole batch's outputs."""
    layer, states = exposed(kind, static)
    ones = np.ones((T, N))
    zeros = [np.zeros((1, N, H))] * states
    extra = [X_STATIC] if static else []
    whole = [a.copy() for a in layer.forward([X, ones, *extra, *zeros], train=False)]
    assert len(whole) == 1 + states and all(a.shape == (1, N, H) for a in whole[1:])
    first = [a.copy() for a in layer.forward([X[:2], ones[:2], *extra, *zeros], train=False)]
    second = layer.forward([X[2:], ones[2:], *extra, *first[1:]], train=False)
    np.testing.assert_allclose(np.concatenate([first[0], second[0]]), whole[0], rtol=1e-12, atol=1e-14)
    for after, want in zip(second[1:], whole[1:], strict=True):
        np.testing.assert_allclose(after, want, rtol=1e-12, atol=1e-14)
    if kind == "LSTM":  # h_T is the top's last timestep
        np.testing.assert_allclose(whole[1][0], whole[0][-1], rtol=1e-15)


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
def test_with_exposed_states_the_gradients_match_finite_differences_from_any_start(kind):
    """Given states (and cont 1 at timestep 0), each forward pass is the same function: the
    gradients of x and of every parameter against finite differences; none flows into the states
    or from the final ones (Caffe's)."""
    layer, states = exposed(kind)
    layer.propagate_down = [True, False] + [True] * states
    start = [RNG.standard_normal((1, N, H)) for _ in range(states)]
    x, ones = X.copy(), np.ones((T, N))
    dy = RNG.standard_normal((T, N, H))

    def objective():
        return float((layer.forward([x, ones, *start], train=True)[0] * dy).sum())

    tops = layer.forward([x, ones, *start], train=True)
    grads = layer.backward([dy] + [RNG.standard_normal((1, N, H))] * states, [x, ones, *start], tops)
    assert grads[1:] == [None] * (1 + states)
    analytic = [g.copy() for g in layer.grads]
    np.testing.assert_allclose(grads[0], central_differences(x.reshape(-1), objective).reshape(x.shape),
                               rtol=1e-5, atol=1e-8)  # fmt: skip
    for p, g in zip(layer.params, analytic, strict=True):
        np.testing.assert_allclose(g, central_differences(p.reshape(-1), objective).reshape(p.shape),
                                   rtol=1e-5, atol=1e-8)  # fmt: skip
