"""Speed: one training iteration of the row-by-row LSTM `benchmarks/nets/lstm_rows_fashion.prototxt`
(28 timesteps of 28 values, 100 streams, 128 units, scores at every timestep, the loss at the last
one: labels -1 elsewhere) in pyrpudl against the same net in PyTorch eager (``nn.LSTM``, whose
gates and arithmetic are Caffe's; its second bias is zero and frozen here, as Caffe has one), on
the CPU.

    ./benchmarks/setup.sh            # once: .venv-bench with NumPy 2 and torch 2.13.0 (CPU)
    .venv-bench/bin/python benchmarks/lstm_vs_pytorch.py [threads] [repeats]

Both run in this process, on the same threads, on the same random batch: forward, backward and
an SGD update with momentum and weight decay. The contenders take turns (in_turns.py); each figure
is the median over the rounds.
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
from torch_nets import RowReader  # noqa: E402

from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.net import Net  # noqa: E402

NET = Path(__file__).resolve().parent / "nets" / "lstm_rows_fashion.prototxt"
STEPS, STREAMS, INPUTS, HIDDEN, CLASSES, ITERATIONS = 28, 100, 28, 128, 10, 10


def batch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = np.full((STEPS, STREAMS), -1, np.int32)
    labels[-1] = rng.integers(0, CLASSES, STREAMS)
    cont = np.ones((STEPS, STREAMS), np.float32)
    cont[0] = 0
    return rng.random((STEPS, STREAMS, INPUTS), dtype=np.float32), labels, cont


def pyrpudl_step():
    net = Net(parse_net(NET), "TRAIN", (STREAMS, INPUTS), STEPS, seed=0, label_shape=(STREAMS,),
              side_shapes=((STREAMS,),))  # fmt: skip
    x, labels, cont = batch()
    return net_sgd_step(net, {"data": x, "label": labels, "cont": cont})


def torch_step():
    torch.manual_seed(0)
    module = RowReader(INPUTS, HIDDEN, CLASSES)
    x, labels, _ = batch()
    inputs, targets = torch.from_numpy(x), torch.from_numpy(labels).long().reshape(-1)
    optimizer = torch.optim.SGD(
        [p for p in module.parameters() if p.requires_grad], lr=0.01, momentum=0.9, weight_decay=0.0005
    )
    loss = nn.CrossEntropyLoss(ignore_index=-1)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss(module(inputs).reshape(-1, CLASSES), targets).backward()
        optimizer.step()

    return step


def main() -> None:
    label = f"LSTM {HIDDEN}, {STEPS} steps x {STREAMS}"
    print_against_torch(label, pyrpudl_step(), torch_step(), THREADS, REPEATS, ITERATIONS)


if __name__ == "__main__":
    main()
