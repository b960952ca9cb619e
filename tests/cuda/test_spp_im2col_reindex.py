"""SPP, Im2col, BatchReindex and Parameter alike on both backends (they are made of ops checked
elsewhere: pooling, concat, im2col, layout, embed, scale)."""

import numpy as np
import pytest
from google.protobuf import text_format

from pyrpudl.backend import get_backend
from pyrpudl.net import parse_net
from pyrpudl.net.layers import LAYER_TYPES
from pyrpudl.net.net import Net
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.cuda.conftest import assert_close

PERMUT = np.array([2, 0, 2, 1], np.float32)
LAYERS = {
    "SPP MAX": ('name: "s" type: "SPP" spp_param { pyramid_height: 2 }', [(2, 2, 5, 4)]),
    "SPP AVE": ('name: "s" type: "SPP" spp_param { pyramid_height: 2 pool: AVE }', [(1, 2, 4, 5)]),
    "Im2col": (
        'name: "i" type: "Im2col" convolution_param { kernel_size: 2 pad: 1 stride: 2 }',
        [(2, 2, 4, 3)],
    ),
    "BatchReindex": ('name: "b" type: "BatchReindex"', [(3, 2, 2), PERMUT.shape]),
}


@pytest.mark.parametrize("text, shapes", LAYERS.values(), ids=LAYERS.keys())
def test_layers_run_alike_on_both_backends(text, shapes):
    spec = text_format.Parse(text, pb.LayerParameter())
    rng = np.random.default_rng(0)
    bottoms = [rng.standard_normal(shapes[0]).astype(np.float32)] + [PERMUT] * (len(shapes) - 1)
    results = []
    for name in ("cpu", "cuda"):
        backend = get_backend(name)
        layer = LAYER_TYPES[spec.type](spec, shapes, (), (), backend)
        layer.propagate_down = [True] + [False] * (len(shapes) - 1)
        on_device = [backend.to_device(b) for b in bottoms]
        top = layer.forward(on_device, train=True)[0]
        dy = np.random.default_rng(1).standard_normal(top.shape).astype(np.float32)
        dx = layer.backward([backend.to_device(dy)], on_device, [top])[0]
        results.append([backend.to_host(top), backend.to_host(dx)])
    for on_cuda, on_cpu in zip(results[1], results[0], strict=True):
        assert_close(on_cuda, on_cpu)


def test_a_parameter_learns_alike_on_both_backends():
    from tests.net.layers.test_im2col_reindex_parameter import PARAMETER

    spec = parse_net(PARAMETER)
    on_cpu = Net(spec, "TRAIN", None, 2, seed=0)
    on_cuda = Net(spec, "TRAIN", None, 2, params=on_cpu.params.to(get_backend("cuda")))
    target = np.arange(6, dtype=np.float32).reshape(2, 3)
    for net in (on_cpu, on_cuda):
        net.forward({"target": net.backend.to_device(target)}, train=True)
        net.backward()
    assert_close(on_cuda.backend.to_host(on_cuda.params.diff), on_cpu.params.diff)
    assert on_cpu.params.diff.any()
