"""Speed on a GPU: a 784 x 500 RBM, CD-1, batch 100, 10 epochs of 60,000 images (random binary data
of Fashion-MNIST's shape, or Debian's files when a folder holding them is given), pyrpudl on CUDA
against the same CD-1 written with PyTorch on the same GPU, in the same run. pyrpudl runs twice: as
it trains (each batch after its first one CUDA-graph replay) and with every op launched from Python
(PYRPUDL_CUDA_GRAPHS=0), which shows what the graphs save.

    python3 benchmarks/rbm_gpu.py [epochs] [fashion_folder]     (benchmarks/gpu.sh darch)
"""

import os
import sys
import time

import numpy as np
import torch

from pyrpudl import darch as dn
from pyrpudl.backend import get_backend


def torch_cd1(x, epochs):
    g = torch.Generator(device="cuda").manual_seed(0)
    w = torch.randn(784, 500, device="cuda", generator=g) * 0.1
    vb, hb, w_inc = torch.zeros(784, device="cuda"), torch.zeros(500, device="cuda"), torch.zeros_like(w)
    for epoch in range(epochs):
        m = 0.5 if epoch < 5 else 0.9
        for start in range(0, len(x), 100):
            v0 = x[start : start + 100]
            h0 = torch.sigmoid(v0 @ w + hb)
            v1 = torch.sigmoid((h0 > torch.rand(h0.shape, device="cuda", generator=g)).float() @ w.T + vb)
            h1 = torch.sigmoid(v1 @ w + hb)
            w_inc = m * w_inc + 0.1 * ((v0.T @ h0 - v1.T @ h1) / 100 - 0.0002 * w)
            w += w_inc
            vb += 0.001 * (v0.sum(0) - v1.sum(0))
            hb += 0.001 * (h0.sum(0) - h1.sum(0))
    torch.cuda.synchronize()


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if len(sys.argv) > 2:
        from pyrpudl.data import create_data_source

        source = create_data_source("fashion-mnist", sys.argv[2], download=False)
        x = (source.train_images.reshape(len(source.train_images), -1) / 255).astype(np.float32)
    else:
        x = (np.random.default_rng(0).random((60000, 784)) > 0.6).astype(np.float32)
    quiet = dn.DarchLog.make(False)
    backend = get_backend("cuda")
    batches = epochs * -(-len(x) // 100)

    def ours(graphs: bool) -> tuple[float, float]:
        """Seconds for the epochs, and ops launched per batch (a replay counts one)."""
        os.environ["PYRPUDL_CUDA_GRAPHS"] = "1" if graphs else "0"
        dn.train_rbm(dn.new_rbm(784, 500, 100, dtype=np.float32), x[:1000], 1, log=quiet, device="cuda")
        launches = backend.launches
        started = time.perf_counter()
        dn.train_rbm(dn.new_rbm(784, 500, 100, dtype=np.float32), x, epochs, log=quiet, device="cuda")
        return time.perf_counter() - started, (backend.launches - launches) / batches

    eager, eager_launches = ours(graphs=False)  # every op launched from Python (~55 us each, H100)
    replayed, replayed_launches = ours(graphs=True)  # each batch one CUDA-graph replay
    xt = torch.from_numpy(x).cuda()
    torch_cd1(xt[:1000], 1)
    started = time.perf_counter()
    torch_cd1(xt, epochs)
    theirs = time.perf_counter() - started
    print(f"RBM 784x500 CD-1, batch 100, {epochs} epochs on {torch.cuda.get_device_name()}:")
    for name, seconds, launches in (("pyrpudl, graphs", replayed, replayed_launches),
                                    ("pyrpudl, ops launched", eager, eager_launches),
                                    ("PyTorch eager", theirs, None)):  # fmt: skip
        per = f"{launches:5.1f} launches a batch" if launches is not None else ""
        print(f"  {name:22s} {seconds:7.2f} s  {seconds / batches * 1e6:7.0f} us a batch  "
              f"ratio to PyTorch {seconds / theirs:5.2f}  {per}")  # fmt: skip


if __name__ == "__main__":
    main()
