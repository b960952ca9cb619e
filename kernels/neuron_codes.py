"""The codes that pick a neuron op's formula (kernels/cpu/neurons.py has them), shared by the CPU
and CUDA kernels and the layers, without importing Numba."""

ELU, ABSVAL, BNLL, POWER, EXP, LOG, THRESHOLD, CLIP, SWISH = range(9)
BNLL_THRESHOLD = 50.0  # Caffe's kBNLL_THRESHOLD: exp above it would overflow float32
