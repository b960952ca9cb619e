"""Does a training step get recorded as a CUDA graph here? Prints launches per iteration and, when
capture failed, why. (A diagnostic for benchmarks/gpu.sh; needs a GPU.)"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyrpudl.backend import get_backend  # noqa: E402
from pyrpudl.data import DataSource  # noqa: E402
from pyrpudl.model import create_model  # noqa: E402
from pyrpudl.proto import rpudl_model_pb2 as pb  # noqa: E402
from pyrpudl.solver.trainer import train  # noqa: E402

rng = np.random.default_rng(0)
images = rng.integers(0, 256, (2000, 1, 28, 28), dtype=np.uint8)
labels = rng.integers(0, 10, 2000).astype(np.int32)
source = DataSource("random", Path("."), Path("."), images, labels, images[:10], labels[:10])
caffe = Path(__file__).resolve().parents[1] / "tests" / "net" / "caffe"
model = create_model(caffe / "lenet_train_test.prototxt", source)
backend = get_backend("cuda")
solver = pb.SolverParameter(base_lr=0.01, momentum=0.9, lr_policy="fixed")
before = backend.launches
train(model, 64, 100, solver, report=False, display=50, device=backend)
print(
    f"launches per iteration: {(backend.launches - before) / 100:.2f}; capture error: {backend.capture_error}"
)
