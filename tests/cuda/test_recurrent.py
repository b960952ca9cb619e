"""The RNN and LSTM cell ops on CUDA against the CPU's, and both layers alike on both backends
(forward, backward, and the state carried into a second batch)."""

import numpy as np
import pytest
from google.protobuf import text_format
from numba import cuda

from pyrpudl.backend import get_backend
from pyrpudl.kernels.cpu import recurrent as cpu_recurrent
from pyrpudl.kernels.cuda import recurrent as cuda_recurrent
from pyrpudl.net.layers import LAYER_TYPES
from pyrpudl.net.shapes import SHAPE_RULES
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.cuda.conftest import assert_close, poisoned

N, H = 3, 4
RNG = np.random.default_rng(0)
CONT = np.array([0, 1, 1], np.float32)


def host(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def test_lstm_cell_ops_match_the_cpu():
    x_gates, recurrent, c_prev = host(N, 4 * H), host(N, 4 * H), host(N, H)
    want = [np.empty((N, 4 * H), np.float32)] + [np.empty((N, H), np.float32) for _ in range(3)]
    cpu_recurrent.lstm_unit_forward(*want, x_gates, recurrent, c_prev, CONT)
    got = [poisoned((N, 4 * H))] + [poisoned((N, H)) for _ in range(3)]
    device = [cuda.to_device(a) for a in (x_gates, recurrent, c_prev, CONT)]
    cuda_recurrent.lstm_unit_forward(*got, *device)
    for g, w in zip(got, want, strict=True):
        assert_close(g.copy_to_host(), w)

    gates, _, tanh_c, _ = want
    dh_top, dh_next, dc = host(N, H), host(N, H), host(N, H)
    cont_next = np.array([1, 0, 1], np.float32)
    want_back = [np.empty((N, 4 * H), np.float32), np.empty((N, H), np.float32)]
    cpu_recurrent.lstm_unit_backward(*want_back, gates, tanh_c, c_prev, CONT, dh_top, dh_next, cont_next, dc)
    got_back = [poisoned((N, 4 * H)), poisoned((N, H))]
    inputs = [cuda.to_device(a) for a in (gates, tanh_c, c_prev, CONT, dh_top, dh_next, cont_next, dc)]
    cuda_recurrent.lstm_unit_backward(*got_back, *inputs)
    for g, w in zip(got_back, want_back, strict=True):
        assert_close(g.copy_to_host(), w)


def test_rnn_cell_ops_match_the_cpu():
    x_hidden, recurrent = host(N, H), host(N, H)
    want = np.empty((N, H), np.float32)
    cpu_recurrent.rnn_unit_forward(want, x_hidden, recurrent, CONT)
    got = poisoned((N, H))
    cuda_recurrent.rnn_unit_forward(got, *(cuda.to_device(a) for a in (x_hidden, recurrent, CONT)))
    assert_close(got.copy_to_host(), want)
    dh_top, dh_next = host(N, H), host(N, H)
    want_back = np.empty((N, H), np.float32)
    cpu_recurrent.rnn_unit_backward(want_back, want, dh_top, dh_next, CONT)
    got_back = poisoned((N, H))
    cuda_recurrent.rnn_unit_backward(got_back, *(cuda.to_device(a) for a in (want, dh_top, dh_next, CONT)))
    assert_close(got_back.copy_to_host(), want_back)


CASES = [("LSTM", False, False), ("LSTM", True, False), ("RNN", False, False), ("RNN", True, False),
         ("LSTM", False, True)]  # fmt: skip


@pytest.mark.parametrize(("kind", "static", "exposed"), CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_recurrent_layers_run_alike_on_both_backends(kind, static, exposed):
    text = f'name: "r" type: "{kind}" bottom: "x" bottom: "cont" recurrent_param {{ num_output: 2 '
    text += "expose_hidden: true }" if exposed else "}"
    states = (2 if kind == "LSTM" else 1) if exposed else 0
    text += ' bottom: "s"' if static else ""
    for name in ("h0", "c0")[:states]:
        text += f' bottom: "{name}"'
    spec = text_format.Parse(text, pb.LayerParameter())
    shapes = [(3, 2, 2), (3, 2)] + ([(2, 3)] if static else []) + [(1, 2, 2)] * states
    _, param_shapes = SHAPE_RULES[kind](spec, shapes)
    rng = np.random.default_rng(1)
    weights = [0.5 * rng.standard_normal(s).astype(np.float32) for s in param_shapes]
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    inputs[1] = np.array([[0, 1], [1, 1], [1, 0]], np.float32)
    second = [x.copy() for x in inputs]
    second[1][:] = 1  # goes on from the first batch's state (or the exposed one given)
    dy = rng.standard_normal((3, 2, 2)).astype(np.float32)
    results = []
    for name in ("cpu", "cuda"):
        backend = get_backend(name)
        params = [backend.to_device(w) for w in weights]
        grads = [backend.to_device(np.zeros_like(w)) for w in weights]
        layer = LAYER_TYPES[kind](spec, shapes, params, grads, backend)
        layer.propagate_down = [True, False] + ([True] if static else []) + [False] * states
        found = []
        for batch in (inputs, second):
            device = [backend.to_device(x) for x in batch]
            tops = layer.forward(device, train=True)
            found += [backend.to_host(t).copy() for t in tops]
            diffs = layer.backward([backend.to_device(dy)] + list(tops[1:]), device, tops)
            found += [backend.to_host(a).copy() for a in (*(d for d in diffs if d is not None), *grads)]
        results.append(found)
    for on_cuda, on_cpu in zip(results[1], results[0], strict=True):
        assert_close(on_cuda, on_cpu)


def test_the_lstm_unit_layer_runs_alike_on_both_backends():
    spec = text_format.Parse('name: "u" type: "LSTMUnit"', pb.LayerParameter())
    shapes = [(1, 3, 2), (1, 3, 8), (1, 3)]
    rng = np.random.default_rng(2)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes[:2]] + [
        np.array([[0, 1, 1]], np.float32)
    ]
    diffs = [rng.standard_normal((1, 3, 2)).astype(np.float32) for _ in range(2)]
    results = []
    for name in ("cpu", "cuda"):
        backend = get_backend(name)
        layer = LAYER_TYPES["LSTMUnit"](spec, shapes, [], [], backend)
        layer.propagate_down = [True, True, False]
        device = [backend.to_device(a) for a in inputs]
        tops = layer.forward(device, train=True)
        found = [backend.to_host(t).copy() for t in tops]
        grads = layer.backward([backend.to_device(d) for d in diffs], device, tops)
        results.append(found + [backend.to_host(g).copy() for g in grads[:2]])
    for on_cuda, on_cpu in zip(results[1], results[0], strict=True):
        assert_close(on_cuda, on_cpu)


@pytest.mark.gpu
def test_the_row_by_row_lstm_trains_alike_on_both_backends_at_its_real_size():
    """benchmarks/nets/lstm_rows_fashion.prototxt (128 units, 28 timesteps, 100 streams), 50 steps."""
    from pathlib import Path

    from pyrpudl.data import DataSource
    from pyrpudl.model import create_model
    from pyrpudl.solver.trainer import train

    rng = np.random.default_rng(0)
    x = rng.random((20 * 28, 100, 28), dtype=np.float32)
    labels = np.full((20, 28, 100), -1, np.int32)
    labels[:, -1] = rng.integers(0, 10, (20, 100))
    labels = labels.reshape(-1, 100)
    cont = np.ones((20, 28, 100), np.float32)
    cont[:, 0] = 0
    cont = cont.reshape(-1, 100)
    none = np.zeros(0, np.int32)
    source = DataSource("hdf5", Path("."), Path("."), x, np.zeros(len(x), np.int32), x[:0], none,
                        train_targets=labels, test_targets=labels[:0], train_side={"cont": cont},
                        test_side={"cont": cont[:0]})  # fmt: skip
    net = Path(__file__).resolve().parents[2] / "benchmarks" / "nets" / "lstm_rows_fashion.prototxt"
    model = create_model(net, source, seed=0)
    settings = pb.SolverParameter(base_lr=0.01, momentum=0.9, lr_policy="fixed")
    on_cpu = train(model, 28, 50, settings, report=False, display=10, device="cpu").model
    on_cuda = train(model, 28, 50, settings, report=False, display=10, device="cuda").model
    assert_close(on_cuda.cost_log, on_cpu.cost_log, 1e-3)
    assert_close(on_cuda.params.data, on_cpu.params.data, 1e-3)
