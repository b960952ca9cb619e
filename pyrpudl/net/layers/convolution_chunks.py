"""The CPU's inference convolution where the direct kernel does not apply (a column stride above
1, or float64): the batch in chunks of a few images per core, each chunk's columns in cache.

On the whole batch, im2col writes a column matrix of 25x the input for 5x5 kernels (82 MB for
cifar10_quick's conv2 at batch 100), and every product then streams it from memory: conv2's forward
product (32 x 800 x 25600) ran at 73-79 GFLOP/s whether OpenBLAS had one thread or two, bound by
memory, not arithmetic. Here each worker thread (pyrpudl/backend/cpu_workers.py, single-threaded
BLAS) takes a contiguous slice of the batch and walks it in chunks of about ``CHUNK_BYTES`` of
columns, which stay in its cache from im2col to the product: im2col of the chunk, W @ col per
group, reordered into NCHW with the bias. (Measured 2026-12-01: cifar10_quick's forward pass
batch path -> chunks: conv1 14.7 -> 10.3 ms, conv2 37.3 -> 25.6, conv3 15.0 -> 10.9.)

Training keeps the batch path, whose columns its backward pass reuses: in chunks, the backward pass
must recompute them, and a whole training step in chunks measured no better overall (branch
``chunked-training-experiment``; benchmarks/RESULTS.md). The batch path is the reference this is
tested against; the GPU keeps it.
"""

import numpy as np

from pyrpudl.backend import cpu_workers
from pyrpudl.kernels.cpu.im2col import im2col_serial
from pyrpudl.kernels.cpu.layout import _wide_to_nchw_images

CHUNK_BYTES = 1 << 20  # columns per chunk: about a core's share of the last-level cache here


class ChunkConvolution:
    def __init__(self, layer):
        self.layer = layer
        self.outputs = layer.per_group * layer.group
        column_bytes = layer.rows * layer.group * layer.positions * 4  # one image's, in float32
        self.chunk = max(1, CHUNK_BYTES // column_bytes)
        self._scratch: dict = {}

    def _buffer(self, worker: int, name: str, rows: int, images: int, dtype):
        """Worker ``worker``'s (rows, images * P) scratch ``name``, contiguous, allocated once."""
        key = (worker, name, np.dtype(dtype).str)
        flat = self._scratch.get(key)
        positions = self.layer.positions
        if flat is None:
            flat = self._scratch[key] = np.empty(rows * self.chunk * positions, dtype)
        return flat[: rows * images * positions].reshape(rows, images * positions)

    def forward(self, image, out) -> None:
        """out (N, O, oh, ow) = the convolution of image (N, C, H, W), with the bias."""
        layer = self.layer
        n, positions = image.shape[0], layer.positions
        bias = layer.params[1] if layer.bias else image[0, 0, 0, :1]  # any array when there is no bias
        flat_out = out.reshape(n, self.outputs, positions)

        def work(worker, first, last):
            for start in range(first, last, self.chunk):
                stop = min(start + self.chunk, last)
                columns = self._buffer(worker, "columns", layer.rows * layer.group, stop - start, image.dtype)
                im2col_serial(columns, image[start:stop], *layer.window_args)
                wide = self._buffer(worker, "wide", self.outputs, stop - start, image.dtype)
                for g in range(layer.group):
                    np.matmul(
                        layer.weights[g],
                        layer._group_rows(columns, g, layer.rows),
                        out=layer._group_rows(wide, g, layer.per_group),
                    )
                _wide_to_nchw_images(flat_out[start:stop], wide, bias, layer.bias, 0, stop - start)

        cpu_workers.run(n, work)
