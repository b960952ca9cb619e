"""Speed: one training iteration of the segmentation net `benchmarks/nets/fcn_fashion.prototxt`
(three convolutions, two poolings, a 1 x 1 score layer, a Deconvolution back to 28 x 28, a
per-pixel SoftmaxWithLoss over eleven classes) in pyrpudl against the same net in PyTorch eager,
on the CPU.

    ./benchmarks/setup.sh            # once: .venv-bench with NumPy 2 and torch 2.13.0 (CPU)
    .venv-bench/bin/python benchmarks/fcn_vs_pytorch.py [threads] [repeats]

Both run in this process, on the same threads, on the same random batch of 64 images and label
maps: forward, backward and an SGD update with momentum and weight decay. The contenders take
turns (in_turns.py); each figure is the median over the rounds.
"""

import os
import sys
from pathlib import Path

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from in_turns import net_sgd_step, print_against_torch  # noqa: E402 (beside this script)
from torch import nn  # noqa: E402

from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.net import Net  # noqa: E402

NET = Path(__file__).resolve().parent / "nets" / "fcn_fashion.prototxt"
BATCH, ITERATIONS, CLASSES = 64, 5, 11


def batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    return images, rng.integers(0, CLASSES, (BATCH, 28, 28)).astype(np.int32)


def pyrpudl_step():
    net = Net(parse_net(NET), "TRAIN", (1, 28, 28), BATCH, seed=0, label_shape=(28, 28))
    images, maps = batch()
    inputs = {"data": images, "label": maps}
    return net_sgd_step(net, inputs)


def torch_step():
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, CLASSES, 1),
        nn.ConvTranspose2d(CLASSES, CLASSES, 8, stride=4, padding=2, bias=False),
    )  # fmt: skip
    images, maps = batch()
    x, y = torch.from_numpy(images), torch.from_numpy(maps).long()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0005)
    loss = nn.CrossEntropyLoss()  # the mean over pixels: Caffe's VALID normalization here

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss(module(x), y).backward()
        optimizer.step()

    return step


def main() -> None:
    print_against_torch(f"FCN batch {BATCH}", pyrpudl_step(), torch_step(), THREADS, REPEATS, ITERATIONS)


if __name__ == "__main__":
    main()
