"""CPU kernels (``@numba.njit``, parallel over the batch where that pays)."""
