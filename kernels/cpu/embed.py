"""Caffe's Embed: a learned row for each index (word embeddings)."""

import numba


@numba.njit(parallel=True, cache=True)
def embed_forward(out, x, weights, bias, has_bias):
    """out (M, D) = weights[x[m]] (+ bias); x (M,) float32 indices, whole numbers in [0, V)
    (checked by the layer on the CPU)."""
    m, d = out.shape
    for i in numba.prange(m):
        row = int(x[i])
        for j in range(d):
            out[i, j] = (weights[row, j] + bias[j]) if has_bias else weights[row, j]


@numba.njit(cache=True)
def embed_backward(dweights, chain, dy, x):
    """dweights (V, D) = the sum of dy's rows m with x[m] == v, in m order (zero for indices
    absent). chain (M,) int32: the CUDA twin's scratch, unused here."""
    dweights[...] = 0
    m, d = dy.shape
    for i in range(m):
        row = int(x[i])
        for j in range(d):
            dweights[row, j] += dy[i, j]
