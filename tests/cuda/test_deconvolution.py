"""Deconvolution on the CUDA backend (made of the convolution's CUDA ops) against the CPU layer."""

import numpy as np
from google.protobuf import text_format

from pyrpudl.backend import get_backend
from pyrpudl.net.layers import LAYER_TYPES
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.cuda.conftest import assert_close

SPEC = 'name: "up" type: "Deconvolution" '
SPEC += "convolution_param { num_output: 4 kernel_size: 4 stride: 2 pad: 1 group: 2 }"


def test_deconvolution_runs_alike_on_both_backends():
    spec = text_format.Parse(SPEC, pb.LayerParameter())
    shape = (2, 2, 3, 3)
    rng = np.random.default_rng(0)
    x, weights, bias = (rng.standard_normal(s).astype(np.float32) for s in (shape, (2, 2, 4, 4), (4,)))
    dy = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    results = []
    for name in ("cpu", "cuda"):
        backend = get_backend(name)
        params = [backend.to_device(weights), backend.to_device(bias)]
        grads = [backend.to_device(np.zeros_like(weights)), backend.to_device(np.zeros_like(bias))]
        layer = LAYER_TYPES["Deconvolution"](spec, [shape], params, grads, backend)
        top = layer.forward([backend.to_device(x)], train=True)[0]
        dx = layer.backward([backend.to_device(dy)], [backend.to_device(x)], [top])[0]
        results.append([backend.to_host(a) for a in (top, dx, *grads)])
    for on_cuda, on_cpu in zip(results[1], results[0], strict=True):
        assert_close(on_cuda, on_cpu)
