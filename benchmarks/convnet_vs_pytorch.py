"""Speed: one training iteration (forward, backward, SGD update) of pyrpudl against PyTorch on the CPU.

    ./benchmarks/setup.sh            # once: .venv-bench with NumPy 2 and torch 2.13.0 (CPU)
    .venv-bench/bin/python benchmarks/convnet_vs_pytorch.py [threads] [repeats]

Both run in this process, on the same threads, on the same random CIFAR-shaped (or MNIST-shaped)
batch: cifar10_quick at batch 100 and LeNet at batch 64, built from Caffe's prototxt files for
pyrpudl and as the equivalent torch.nn modules. After 3 warm-up iterations each (Numba's
compilation among them), the contenders take turns: ``repeats`` rounds, each timing 10 iterations
of every contender after one untimed one, so the machine's drift (up to 1.6x between runs here)
falls on all alike. Each figure is the median over the rounds.
"""

import os
import sys
from pathlib import Path

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from in_turns import median_ms_in_turns  # noqa: E402 (beside this script)
from torch import nn  # noqa: E402
from torch_nets import lenet_torch, quick_torch  # noqa: E402 (beside this script)

from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.net import Net  # noqa: E402

CAFFE = Path(__file__).resolve().parents[1] / "tests" / "net" / "caffe"
ITERATIONS = 10


def pyrpudl_net(prototxt: str, phase: str, shape, batch: int):
    """The net of ``prototxt`` for ``phase`` and one random batch for it."""
    net = Net(parse_net(CAFFE / prototxt), phase, shape, batch, seed=0)
    rng = np.random.default_rng(0)
    inputs = {
        "data": rng.standard_normal((batch, *shape)).astype(np.float32),
        "label": rng.integers(0, 10, batch),
    }
    return net, inputs


def pyrpudl_step(prototxt: str, shape, batch: int):
    net, inputs = pyrpudl_net(prototxt, "TRAIN", shape, batch)

    def step():
        net.forward(inputs, train=True)
        net.backward()
        net.params.sgd_step(0.001, 0.9, 0.004)

    return step


def pyrpudl_inference(prototxt: str, shape, batch: int):
    net, inputs = pyrpudl_net(prototxt, "TEST", shape, batch)
    return lambda: net.forward(inputs, train=False)


def torch_inference(module: nn.Module, shape, batch: int, channels_last: bool):
    torch.manual_seed(0)
    x = torch.randn(batch, *shape)
    module.eval()
    if channels_last:
        module, x = module.to(memory_format=torch.channels_last), x.to(memory_format=torch.channels_last)

    def forward():
        with torch.inference_mode():
            module(x)

    return forward


def torch_step(module: nn.Module, shape, batch: int, channels_last: bool):
    torch.manual_seed(0)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        module, x = module.to(memory_format=torch.channels_last), x.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.001, momentum=0.9, weight_decay=0.004)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(module(x), y).backward()
        optimizer.step()

    return step


NETS = (
    ("cifar10_quick", "cifar10_quick_train_test.prototxt", quick_torch, (3, 32, 32), 100),
    ("LeNet", "lenet_train_test.prototxt", lenet_torch, (1, 28, 28), 64),
)


def table(ours, theirs) -> None:
    """One line per net: ``ours(prototxt, shape, batch)`` against ``theirs(module, shape, batch,
    channels_last)`` in both of torch's layouts."""
    for name, prototxt, make, shape, batch in NETS:
        steps = {
            "pyrpudl": ours(prototxt, shape, batch),
            "torch": theirs(make(), shape, batch, channels_last=False),
            "torch channels_last": theirs(make(), shape, batch, channels_last=True),
        }
        found = median_ms_in_turns({name: (None, step) for name, step in steps.items()}, REPEATS, ITERATIONS)
        mine, default, last = found["pyrpudl"], found["torch"], found["torch channels_last"]
        print(
            f"{name:14s} batch {batch}: pyrpudl {mine:7.1f} ms | torch {default:7.1f} ms "
            f"(ratio {mine / default:.2f}) | torch channels_last {last:7.1f} ms (ratio {mine / last:.2f})"
        )


def main() -> None:
    torch.set_num_threads(THREADS)
    print(
        f"threads {THREADS}, median of {REPEATS} rounds of {ITERATIONS} iterations, contenders in turn; "
        f"torch {torch.__version__}"
    )
    table(pyrpudl_step, torch_step)
    print(f"Numba's threading layer: {numba.threading_layer()}")
    print("inference (forward pass, TEST phase):")
    table(pyrpudl_inference, torch_inference)


if __name__ == "__main__":
    main()
