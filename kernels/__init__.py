"""Numba kernels of the engine, installed as ``pyrpudl.kernels``.

``cpu/`` holds ``@numba.njit`` kernels and ``cuda/`` their ``@numba.cuda.jit`` twins, with the same
op names and signatures: outputs first, then inputs, then shapes and scalars. Layers call ops; they
never import Numba themselves. Importing this package compiles nothing: kernels are compiled on
first use (and cached on disk).
"""
