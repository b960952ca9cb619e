"""Caffe's weight fillers: how a parameter blob starts.

constant (value, default 0); uniform (min, max); gaussian (mean, std; with ``sparse`` k, each value
kept with probability k / shape[0] and zeroed otherwise, Caffe's rule); xavier U(-a, a) with
a = sqrt(3 / n); msra N(0, sqrt(2 / n)); n is the fan-in (count / shape[0]), the fan-out
(count / shape[1]) or their average, by variance_norm; positive_unitball U(0, 1), each of the
shape[0] rows scaled to sum 1; bilinear (a Deconvolution's square kernels, not random): every
kernel the same bilinear interpolation, (1 - |x / f - c|)(1 - |y / f - c|) with f = ceil(k / 2),
c = (k - 1) / 2f, so that a group-per-channel Deconvolution with kernel 2s - s % 2, stride s and pad
ceil((s - 1) / 2) upsamples s times (Caffe's recipe, with lr_mult 0 to keep it).
"""

import math

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.proto import rpudl_model_pb2 as pb

FILLERS = ("constant", "uniform", "gaussian", "xavier", "msra", "positive_unitball", "bilinear")


def _fan(filler: pb.FillerParameter, shape: tuple[int, ...]) -> float:
    count = math.prod(shape)
    fan_in = count / shape[0]
    fan_out = count / shape[1] if len(shape) > 1 else count
    norm = filler.variance_norm
    if norm == pb.FillerParameter.FAN_OUT:
        return fan_out
    if norm == pb.FillerParameter.AVERAGE:
        return (fan_in + fan_out) / 2
    return fan_in


def _bilinear(shape: tuple[int, ...]) -> np.ndarray:
    if len(shape) != 4 or shape[2] != shape[3]:
        raise InputError(
            f"the bilinear filler fills square kernels (a Deconvolution's 4-D weights), not a blob of "
            f"shape {' x '.join(map(str, shape))}: give kernel_size, not different kernel_h and kernel_w"
        )
    k = shape[3]
    f = math.ceil(k / 2)
    c = (k - 1) / (2.0 * f)
    line = 1 - np.abs(np.arange(k) / f - c)
    return np.broadcast_to(np.outer(line, line), shape).astype(np.float32)


def fill(filler: pb.FillerParameter | None, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A float32 array of ``shape`` drawn as ``filler`` says (Caffe's default filler is constant 0)."""
    kind = filler.type if filler is not None else "constant"
    if filler is None:
        filler = pb.FillerParameter()
    if kind == "constant":
        return np.full(shape, filler.value, dtype=np.float32)
    if kind == "uniform":
        return rng.uniform(filler.min, filler.max, shape).astype(np.float32)
    if kind == "gaussian":
        values = rng.normal(filler.mean, filler.std, shape).astype(np.float32)
        if filler.sparse < -1:
            raise InputError(f"the gaussian filler's sparse must be -1 (dense) or more, not {filler.sparse}")
        if filler.sparse >= 0:  # Caffe's: k / shape[0] (outputs), whatever the comment there says
            values *= rng.random(shape) < min(1.0, filler.sparse / shape[0])
        return values
    if kind == "xavier":
        scale = math.sqrt(3.0 / _fan(filler, shape))
        return rng.uniform(-scale, scale, shape).astype(np.float32)
    if kind == "msra":
        return rng.normal(0.0, math.sqrt(2.0 / _fan(filler, shape)), shape).astype(np.float32)
    if kind == "positive_unitball":
        values = rng.uniform(0.0, 1.0, shape).reshape(shape[0], -1)
        return (values / values.sum(axis=1, keepdims=True)).reshape(shape).astype(np.float32)
    if kind == "bilinear":
        return _bilinear(shape)
    raise InputError(f"unknown filler type {kind!r}; choose one of {', '.join(FILLERS)}")
