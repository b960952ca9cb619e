"""Speed: the CPU's direct (im2col-free) convolution against its im2col batch path, in one net.

    .venv/bin/python benchmarks/convolution_paths.py [threads] [blocks]

cifar10_quick at batch 100 and LeNet at batch 64 (Caffe's prototxt files), a training step
(forward, backward, SGD update) and a TEST-phase forward pass. Both paths run in the same process
on the same batch, in alternating blocks of 5 iterations (``blocks`` each, after warm-up), so the
machine's drift falls on both alike; each figure is the median block. With the direct path off,
training takes the batch im2col path and inference the chunked one (convolution_chunks.py). For
training a third contender keeps BLAS's threads (no Net._blas_limit) with the direct path.
"""

import contextlib
import os
import sys
from pathlib import Path

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
BLOCKS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
from in_turns import median_ms_in_turns  # noqa: E402 (beside this script)

from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.net import Net  # noqa: E402

CAFFE = Path(__file__).resolve().parents[1] / "tests" / "net" / "caffe"
NETS = [
    ("cifar10_quick", "cifar10_quick_train_test.prototxt", (3, 32, 32), 100),
    ("LeNet", "lenet_train_test.prototxt", (1, 28, 28), 64),
]


def compare(prototxt: str, shape, batch: int, train: bool) -> dict[str, float]:
    """Median milliseconds per iteration of each path, the paths run in alternating blocks."""
    net = Net(parse_net(CAFFE / prototxt), "TRAIN" if train else "TEST", shape, batch, seed=0)
    rng = np.random.default_rng(0)
    inputs = {
        "data": rng.standard_normal((batch, *shape)).astype(np.float32),
        "label": rng.integers(0, 10, batch),
    }
    convolutions = [layer for layer in net.layers if hasattr(layer, "direct")]
    limit = net._blas_limit

    def use(direct: bool, blas_limit: bool = True):
        for layer in convolutions:
            layer.direct = direct
        net._blas_limit = limit if blas_limit else lambda train: contextlib.nullcontext()

    paths = {"direct": lambda: use(True), "im2col path": lambda: use(False)}
    if train:  # what holding BLAS to one thread during training buys (Net._blas_limit)
        paths["direct, BLAS threads kept"] = lambda: use(True, blas_limit=False)

    def step():
        net.forward(inputs, train=train)
        if train:
            net.backward()
            net.params.sgd_step(0.001, 0.9, 0.004)

    return median_ms_in_turns({name: (setup, step) for name, setup in paths.items()}, BLOCKS, 5)


def main() -> None:
    print(f"threads {THREADS}, median of {BLOCKS} alternating blocks of 5 iterations")
    for train in (True, False):
        for name, prototxt, shape, batch in NETS:
            found = compare(prototxt, shape, batch, train)
            kind = "training step" if train else "inference    "
            direct, other = found["direct"], found["im2col path"]
            line = f"{name:14s} {kind} batch {batch}: direct {direct:6.1f} ms | im2col path {other:6.1f} ms "
            line += f"(speed-up {other / direct:.2f}x)"
            if "direct, BLAS threads kept" in found:
                line += f" | direct, BLAS threads kept {found['direct, BLAS threads kept']:6.1f} ms"
            print(line)


if __name__ == "__main__":
    main()
