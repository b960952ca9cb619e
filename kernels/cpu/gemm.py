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
