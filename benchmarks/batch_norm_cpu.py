"""Speed: BatchNorm with Scale (Caffe's pair) on the CPU, one training pass (statistics, normalize,
scale and shift; then both gradients), against PyTorch's ``batch_norm`` with its affine weight and
bias, in the same process, on the blob shapes of LeNet and cifar10_quick with BatchNorm.

    .venv-bench/bin/python benchmarks/batch_norm_cpu.py [repeats]

Each contender runs ``repeats`` (default 7) blocks of 20 passes per shape, in turns; the median ms
per pass and our ratio to torch are printed. Two threads, as the machine has.
"""

import statistics
import sys
import time

import numpy as np
import torch

from pyrpudl.kernels.cpu import batch_norm as ops

SHAPES = {
    "LeNet conv1, 64 x 20 x 24 x 24": (64, 20, 24, 24),
    "LeNet conv2, 64 x 50 x 8 x 8": (64, 50, 8, 8),
    "cifar10_quick conv1, 100 x 32 x 32 x 32": (100, 32, 32, 32),
}
PASSES = 20


def ours(shape):
    n, c, h, w = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h * w)).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    y, z, dz, dx = (np.empty_like(x) for _ in range(4))
    mean, var, running_mean, running_var = (np.zeros(c, np.float32) for _ in range(4))
    factor = np.zeros(1, np.float32)
    gamma = np.ones(c, np.float32)
    beta, dgamma, dbeta = (np.zeros(c, np.float32) for _ in range(3))

    def run():
        ops.batch_norm_statistics(mean, var, running_mean, running_var, factor, x, 0.999, True)
        ops.batch_norm_forward(y, x, mean, var, 1e-5)
        ops.scale_forward(z, y, gamma, beta, True)
        ops.scale_backward(dz, dgamma, dbeta, dy, y, gamma, True)
        ops.batch_norm_backward(dx, dz, y, var, 1e-5, False)

    return run


def torch_pass(shape):
    n, c, h, w = shape
    x = torch.randn(shape, requires_grad=True)
    dy = torch.randn(shape)
    weight, bias = torch.ones(c, requires_grad=True), torch.zeros(c, requires_grad=True)
    running_mean, running_var = torch.zeros(c), torch.ones(c)

    def run():
        out = torch.nn.functional.batch_norm(x, running_mean, running_var, weight, bias, True, 0.001, 1e-5)
        out.backward(dy)

    return run


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    torch.set_num_threads(2)
    print(
        f"ms per training pass (forward and backward), median of {repeats} x {PASSES}; "
        f"torch {torch.__version__}"
    )
    for name, shape in SHAPES.items():
        contenders = {"pyrpudl": ours(shape), "torch": torch_pass(shape)}
        times = {key: [] for key in contenders}
        for run in contenders.values():
            run()  # compile, allocate
        for _ in range(repeats):
            for key, run in contenders.items():  # in turns, so drift hits both
                started = time.perf_counter()
                for _ in range(PASSES):
                    run()
                times[key].append((time.perf_counter() - started) / PASSES * 1e3)
        mine, theirs = (statistics.median(times[key]) for key in ("pyrpudl", "torch"))
        print(f"{name}: pyrpudl {mine:.3f} ms, torch {theirs:.3f} ms, ratio {mine / theirs:.2f}")


if __name__ == "__main__":
    main()
