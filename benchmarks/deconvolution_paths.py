"""Speed: the CPU's Deconvolution on phase planes (deconvolution_phases.py) against its column path,
for the layer alone at upsampling shapes FCNs use, and in a whole training step of the FCN.

    .venv/bin/python benchmarks/deconvolution_paths.py [threads] [rounds]

Each layer: forward and backward (weights' and input's gradients) on a random batch. The whole
net: `benchmarks/nets/fcn_fashion.prototxt` at batch 64, forward, backward and an SGD update.
The paths take turns in the same process (in_turns.py); each figure is the median round. (A
kernel no larger than its stride, 2 x 2 stride 2 say, always takes the columns: no overhead there.)
"""

import os
import sys
from pathlib import Path

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from in_turns import median_ms_in_turns, net_sgd_step  # noqa: E402 (beside this script)

from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.layers import LAYER_TYPES  # noqa: E402
from pyrpudl.net.net import Net  # noqa: E402
from pyrpudl.net.shapes import SHAPE_RULES  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402

FCN = Path(__file__).resolve().parent / "nets" / "fcn_fashion.prototxt"
LAYERS = [  # (what, convolution_param, bottom shape)
    ("fcn_fashion's upscore, 8x8 stride 4", "num_output: 11 kernel_size: 8 stride: 4 pad: 2", (64, 11, 7, 7)),
    ("FCN-8s's 2x upscore, 4x4 stride 2", "num_output: 21 kernel_size: 4 stride: 2", (8, 21, 16, 16)),
    (
        "bilinear 2x, a channel a group",
        "num_output: 21 kernel_size: 4 stride: 2 pad: 1 group: 21",
        (8, 21, 32, 32),
    ),
    (
        "decoder 2x, 64 -> 32 channels, 4x4",
        "num_output: 32 kernel_size: 4 stride: 2 pad: 1",
        (32, 64, 14, 14),
    ),
]


def layer_step(params: str, shape):
    spec = text_format.Parse(f'name: "up" type: "Deconvolution" convolution_param {{ {params} }}',
                             pb.LayerParameter())  # fmt: skip
    _, param_shapes = SHAPE_RULES[spec.type](spec, [shape])
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(s).astype(np.float32) for s in param_shapes]
    layer = LAYER_TYPES[spec.type](spec, [shape], weights, [np.zeros_like(w) for w in weights])
    image = rng.standard_normal(shape).astype(np.float32)
    top = layer.forward([image], True)[0]
    diff = rng.standard_normal(top.shape).astype(np.float32)

    def step():
        tops = layer.forward([image], True)
        layer.backward([diff], [image], tops)

    return layer, step


def compare(layers, step) -> dict[str, float]:
    def use(phases: bool):
        for layer in layers:
            layer.phases = phases

    paths = {"phases": (lambda: use(True), step), "columns": (lambda: use(False), step)}
    return median_ms_in_turns(paths, ROUNDS, 5)


def main() -> None:
    print(f"threads {THREADS}, median of {ROUNDS} rounds of 5 iterations, the paths in turn")
    for what, params, shape in LAYERS:
        layer, step = layer_step(params, shape)
        found = compare([layer], step)
        print(f"{what:38s} {str(shape):18s} phases {found['phases']:6.2f} ms | columns "
              f"{found['columns']:6.2f} ms (speed-up {found['columns'] / found['phases']:.2f}x)")  # fmt: skip
    net = Net(parse_net(FCN), "TRAIN", (1, 28, 28), 64, seed=0, label_shape=(28, 28))
    rng = np.random.default_rng(0)
    inputs = {"data": rng.random((64, 1, 28, 28), dtype=np.float32),
              "label": rng.integers(0, 11, (64, 28, 28)).astype(np.int32)}  # fmt: skip
    deconvolutions = [layer for layer in net.layers if hasattr(layer, "phases")]
    found = compare(deconvolutions, net_sgd_step(net, inputs))
    print(f"{'fcn_fashion training step, batch 64':57s} phases {found['phases']:6.2f} ms | columns "
          f"{found['columns']:6.2f} ms (speed-up {found['columns'] / found['phases']:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
