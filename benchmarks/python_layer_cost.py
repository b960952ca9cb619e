"""Speed: what a Caffe Python layer costs against the engine's own layer doing the same.

    .venv/bin/python benchmarks/python_layer_cost.py [threads] [rounds]

LeNet (Caffe's prototxt) at batch 64 on a random batch, a training step (forward, backward, SGD
update), with its ReLU as Caffe's layer and as a Python layer in NumPy (benchmarks/layers/
python_relu.py: the blobs handed over, reshape and forward/backward called each pass). The nets
take turns in the same process (in_turns.py); each figure is the median round.
"""

import os
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

HERE = Path(__file__).resolve().parent
PROTOTXT = HERE.parent / "tests" / "net" / "caffe" / "lenet_train_test.prototxt"
RELU = 'layer {\n  name: "relu1"\n  type: "ReLU"\n  bottom: "ip1"\n  top: "ip1"\n}'
PYTHON = (
    'layer { name: "relu1" type: "Python" bottom: "ip1" top: "ip1" '
    'python_param { module: "python_relu" layer: "ReLU" } }'
)


def main() -> None:
    sys.path.insert(0, str(HERE / "layers"))
    text = PROTOTXT.read_text()
    assert RELU in text
    rng = np.random.default_rng(0)
    inputs = {
        "data": rng.standard_normal((64, 1, 28, 28)).astype(np.float32),
        "label": rng.integers(0, 10, 64),
    }
    steps = {}
    for what, net_text in (("Caffe's ReLU", text), ("Python ReLU", text.replace(RELU, PYTHON))):
        net = Net(parse_net(net_text), "TRAIN", (1, 28, 28), 64, seed=0)
        steps[what] = (None, net_sgd_step(net, inputs))
    found = median_ms_in_turns(steps, ROUNDS, 10)
    print(f"threads {THREADS}, median of {ROUNDS} rounds of 10 iterations, the nets in turn")
    base = found["Caffe's ReLU"]
    for what, ms in found.items():
        print(
            f"LeNet training step, batch 64, {what:13s} {ms:6.2f} ms ({ms - base:+.2f} ms, {ms / base:.3f}x)"
        )


if __name__ == "__main__":
    main()
