"""Speed: a training step with Caffe's frozen layers (lr_mult 0), as fine-tuning freezes a trained
net's first layers, against the same net learning everything.

    .venv/bin/python benchmarks/frozen_layers.py [threads] [rounds]

cifar10_quick at batch 100 (Caffe's prototxt) on a random batch: forward, backward, SGD update;
frozen: conv1, then conv1 to conv3 (only the classifier learns). The nets take turns in the same
process (in_turns.py); each figure is the median round.
"""

import os
import re
import sys
from pathlib import Path

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
from in_turns import median_ms_in_turns, net_sgd_step  # noqa: E402 (beside this script)

from pyrpudl.net import parse_net  # noqa: E402
from pyrpudl.net.net import Net  # noqa: E402

PROTOTXT = (
    Path(__file__).resolve().parents[1] / "tests" / "net" / "caffe" / "cifar10_quick_train_test.prototxt"
)


def frozen(text: str, layers) -> str:
    """``text`` with every lr_mult of ``layers`` set to 0."""
    for name in layers:
        start = text.index(f'name: "{name}"')
        end = text.index("convolution_param", start)
        text = text[:start] + re.sub(r"lr_mult: \d+", "lr_mult: 0", text[start:end]) + text[end:]
    return text


def main() -> None:
    text = PROTOTXT.read_text()
    rng = np.random.default_rng(0)
    inputs = {"data": rng.standard_normal((100, 3, 32, 32)).astype(np.float32),
              "label": rng.integers(0, 10, 100)}  # fmt: skip
    nets = {"all learned": [], "conv1 frozen": ["conv1"], "conv1-conv3 frozen": ["conv1", "conv2", "conv3"]}
    steps = {}
    for what, layers in nets.items():
        net = Net(parse_net(frozen(text, layers)), "TRAIN", (3, 32, 32), 100, seed=0)
        steps[what] = (None, net_sgd_step(net, inputs))
    found = median_ms_in_turns(steps, ROUNDS, 5)
    print(f"threads {THREADS}, median of {ROUNDS} rounds of 5 iterations, the nets in turn")
    everything = found["all learned"]
    for what, ms in found.items():
        print(f"cifar10_quick training step, batch 100, {what:20s} {ms:6.1f} ms ({everything / ms:.2f}x)")


if __name__ == "__main__":
    main()
