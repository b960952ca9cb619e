"""Speed: one training iteration of rpud's autoencoder (autoencoder_train.prototxt: 784-1000-500-
250-30 and back, sigmoid units, a sigmoid cross-entropy loss and a Euclidean error beside it) in
pyrpudl against the same net in PyTorch eager, on the CPU.

    ./benchmarks/setup.sh            # once: .venv-bench with NumPy 2 and torch 2.13.0 (CPU)
    .venv-bench/bin/python benchmarks/autoencoder_vs_pytorch.py [threads] [repeats]

Both run in this process, on the same threads, on the same random batch of 100 images in [0, 1]:
forward (both losses: torch computes the Euclidean error without a gradient, as its weight is 0),
backward and an SGD update with momentum and weight decay. The contenders take turns (see
in_turns.py); each figure is the median over the rounds.
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
from pyrpudl.net.state import default_test_stages, resolve_stages  # noqa: E402

NET = (
    Path(__file__).resolve().parents[1]
    / "r_wrapper"
    / "rpud"
    / "inst"
    / "rpudl"
    / "autoencoder_train.prototxt"
)
BATCH, ITERATIONS = 100, 10
SIZES = (784, 1000, 500, 250, 30, 250, 500, 1000, 784)


def batch() -> np.ndarray:
    return np.random.default_rng(0).random((BATCH, 1, 28, 28), dtype=np.float32)


def pyrpudl_step():
    spec = parse_net(NET)
    net = Net(resolve_stages(spec, default_test_stages(spec)), "TRAIN", (1, 28, 28), BATCH, seed=0)
    inputs = {"data": batch()}
    return net_sgd_step(net, inputs)


def torch_step():
    torch.manual_seed(0)
    layers = []
    for index, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:], strict=False)):
        layers.append(nn.Linear(n_in, n_out))
        if index not in (3, 7):  # the code layer and the scores are linear
            layers.append(nn.Sigmoid())
    module = nn.Sequential(*layers)
    x = torch.from_numpy(batch()).reshape(BATCH, -1)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0005)
    cross_entropy = nn.BCEWithLogitsLoss(reduction="sum")

    def step():
        optimizer.zero_grad(set_to_none=True)
        scores = module(x)
        loss = cross_entropy(scores, x) / BATCH
        with torch.no_grad():
            ((torch.sigmoid(scores) - x) ** 2).sum() / (2 * BATCH)
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    print_against_torch(
        f"autoencoder batch {BATCH}", pyrpudl_step(), torch_step(), THREADS, REPEATS, ITERATIONS
    )


if __name__ == "__main__":
    main()
