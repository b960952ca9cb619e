"""General matrix multiply on the CPU, through NumPy's BLAS."""

import numpy as np


def gemm(c, a, b, trans_a, trans_b, alpha, beta):
    """``c = alpha * op(a) @ op(b) + beta * c``, with ``op(x) = x.T`` when its ``trans_`` flag is set.

    c: float32 (M, N); op(a): (M, K); op(b): (K, N). With ``beta == 0`` c is only written (it may hold
    NaN); with ``alpha == 1`` and ``beta == 0`` the product goes straight into c, with no temporary.
    """
    op_a = a.T if trans_a else a
    op_b = b.T if trans_b else b
    if beta == 0:
        np.matmul(op_a, op_b, out=c)
        if alpha != 1:
            np.multiply(c, np.float32(alpha), out=c)
        return
    product = np.matmul(op_a, op_b)
    if alpha != 1:
        np.multiply(product, np.float32(alpha), out=product)
    if beta != 1:
        np.multiply(c, np.float32(beta), out=c)
    np.add(c, product, out=c)


def conv_gemm(c, a, image, rows, columns, height, width, trans_b, alpha, beta):
    """``gemm(c, a, col, False, trans_b, alpha, beta)`` with col the column matrix of ``image`` given
    by its tables (pyrpudl/net/layers/implicit_columns.py): col[r, p] = image[rows[r, 0] +
    columns[p, 0]] where rows[r, 1] + columns[p, 1] lies in [0, height) and rows[r, 2] + columns[p, 2]
    in [0, width), else 0. image: the flat float32 batch; rows (R, 3), columns (P, 3) int32.

    The readable twin: it builds col, then multiplies (the CUDA op gathers col's entries as its tiles
    load them, and never writes it)."""
    y = rows[:, 1][:, None] + columns[:, 1][None, :]
    x = rows[:, 2][:, None] + columns[:, 2][None, :]
    inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
    index = np.where(inside, rows[:, 0][:, None] + columns[:, 0][None, :], 0)
    col = np.where(inside, image[index], np.float32(0.0)).astype(image.dtype, copy=False)
    gemm(c, a, col, False, trans_b, alpha, beta)
