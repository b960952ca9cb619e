"""Embed's CUDA ops against the CPU's, and the Embed, Reduction and Tile layers alike on both backends."""

import numpy as np
import pytest
from google.protobuf import text_format
from numba import cuda

from pyrpudl.backend import get_backend
from pyrpudl.kernels.cpu import embed as cpu_embed
from pyrpudl.kernels.cuda import embed as cuda_embed
from pyrpudl.net.layers import LAYER_TYPES
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.cuda.conftest import assert_close, poisoned

INDICES = np.array([3, 0, 3, 1, 3, 4, 0], np.float32)  # repeats, and index 2 absent


def test_embed_ops_match_the_cpu():
    rng = np.random.default_rng(0)
    weights, bias = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    dy = rng.standard_normal((7, 3)).astype(np.float32)
    want, want_grad = np.empty((7, 3), np.float32), np.empty((5, 3), np.float32)
    cpu_embed.embed_forward(want, INDICES, weights, bias, True)
    cpu_embed.embed_backward(want_grad, np.empty(7, np.int32), dy, INDICES)
    out, grad = poisoned((7, 3)), poisoned((5, 3))
    x = cuda.to_device(INDICES)
    cuda_embed.embed_forward(out, x, cuda.to_device(weights), cuda.to_device(bias), True)
    cuda_embed.embed_backward(grad, poisoned((7,), np.int32), cuda.to_device(dy), x)
    assert_close(out.copy_to_host(), want)
    assert_close(grad.copy_to_host(), want_grad)


def test_a_value_that_is_not_an_index_makes_its_row_nan_on_the_device():
    bad = cuda.to_device(np.array([1, 2.5, 7, -1], np.float32))
    out, grad = poisoned((4, 2)), poisoned((5, 2))
    weights = cuda.to_device(np.ones((5, 2), np.float32))
    cuda_embed.embed_forward(out, bad, weights, weights[0], False)
    rows = out.copy_to_host()
    assert (rows[0] == 1).all() and np.isnan(rows[1:]).all()
    cuda_embed.embed_backward(
        grad, poisoned((4,), np.int32), cuda.to_device(np.ones((4, 2), np.float32)), bad
    )
    assert_close(grad.copy_to_host(), np.array([[0, 0], [1, 1], [0, 0], [0, 0], [0, 0]], np.float32))


LAYERS = {
    "Embed": ('name: "e" type: "Embed" embed_param { num_output: 3 input_dim: 5 }', (7,)),
    "Reduction ASUM": (
        'name: "r" type: "Reduction" reduction_param { operation: ASUM axis: 1 coeff: 2 }',
        (2, 3, 4),
    ),  # fmt: skip
    "Reduction SUMSQ, all": ('name: "r" type: "Reduction" reduction_param { operation: SUMSQ }', (2, 3)),
    "Reduction MEAN": ('name: "r" type: "Reduction" reduction_param { operation: MEAN axis: -1 }', (2, 3, 4)),
    "Tile": ('name: "t" type: "Tile" tile_param { axis: 1 tiles: 3 }', (2, 2, 3)),
}


@pytest.mark.parametrize("text, shape", LAYERS.values(), ids=LAYERS.keys())
def test_layers_run_alike_on_both_backends(text, shape):
    spec = text_format.Parse(text, pb.LayerParameter())
    rng = np.random.default_rng(1)
    x = INDICES if spec.type == "Embed" else rng.standard_normal(shape).astype(np.float32)
    weights = (
        [rng.standard_normal(s).astype(np.float32) for s in ((5, 3), (3,))] if spec.type == "Embed" else []
    )
    results = []
    for name in ("cpu", "cuda"):
        backend = get_backend(name)
        params = [backend.to_device(w) for w in weights]
        grads = [backend.to_device(np.zeros_like(w)) for w in weights]
        layer = LAYER_TYPES[spec.type](spec, [shape], params, grads, backend)
        layer.propagate_down = [spec.type != "Embed"]
        top = layer.forward([backend.to_device(x)], train=True)[0]
        dy = np.random.default_rng(2).standard_normal(top.shape).astype(np.float32)
        dx = layer.backward([backend.to_device(dy)], [backend.to_device(x)], [top])[0]
        found = [top] + ([] if dx is None else [dx]) + grads
        results.append([backend.to_host(a) for a in found])
    for on_cuda, on_cpu in zip(results[1], results[0], strict=True):
        assert_close(on_cuda, on_cpu)


def test_a_reduction_as_the_loss_takes_its_weight_on_the_device():
    """The loss weight reaches a loss's backward pass as a host number; a Reduction puts it on the device."""
    from pyrpudl.net import parse_net
    from pyrpudl.net.net import Net
    from tests.net.layers.test_reduction_tile import SHRINK

    spec = parse_net(SHRINK)
    on_cpu = Net(spec, "TEST", None, 4, seed=0)
    on_cuda = Net(spec, "TEST", None, 4, params=on_cpu.params.to(get_backend("cuda")))
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    for net in (on_cpu, on_cuda):
        net.forward({"x": net.backend.to_device(x)}, train=True)
        net.backward()
    assert_close(on_cuda.backend.to_host(on_cuda.params.diff), on_cpu.params.diff)
    assert on_cpu.params.diff.any()
