"""CUDA kernels (``@numba.cuda.jit``), twins of ``kernels/cpu`` with the same names and signatures.

Importing this package does not import Numba's CUDA target; each kernel module does, when a CUDA
backend is chosen.
"""
