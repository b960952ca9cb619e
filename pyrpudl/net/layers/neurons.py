"""Caffe's neuron layers with one formula each: ELU, AbsVal, BNLL, Power, Exp, Log, Threshold,
Clip, Swish (the formulas: kernels/cpu/neurons.py). Each works out its op's three settings from
its parameters, as Caffe's layer does at setup."""

import math

from pyrpudl.errors import InputError
from pyrpudl.kernels import neuron_codes as codes
from pyrpudl.net.layers.base import Layer, register


class _Neuron(Layer):
    op = -1

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.settings = self.work_out(spec)

    def work_out(self, spec) -> tuple[float, float, float]:
        return 0.0, 0.0, 0.0

    def forward(self, bottoms, train):
        out = self.buffer("top", bottoms[0].shape, bottoms[0].dtype)
        self.ops.neuron_forward(self.flat(out), self.flat(bottoms[0]), self.op, *self.settings)
        return [out]

    def backward(self, top_diffs, bottoms, tops):
        x = bottoms[0]
        dx = self.buffer("bottom_diff", x.shape, x.dtype)
        flat = self.flat
        self.ops.neuron_backward(
            flat(dx), flat(top_diffs[0]), flat(x), flat(tops[0]), self.op, *self.settings
        )
        return [dx]


def _base(spec, param) -> float:
    """ln(base): the natural logarithm's 1 for Caffe's default base -1, else base must be positive."""
    if param.base == -1:
        return 1.0
    if param.base <= 0:
        raise InputError(
            f"layer {spec.name!r}: base {param.base:g} must be positive (or -1, the default, for e)"
        )
    return math.log(param.base)


@register
class ELU(_Neuron):
    type_name, op = "ELU", codes.ELU

    def work_out(self, spec):
        return spec.elu_param.alpha, 0.0, 0.0


@register
class AbsVal(_Neuron):
    type_name, op = "AbsVal", codes.ABSVAL


@register
class BNLL(_Neuron):
    type_name, op = "BNLL", codes.BNLL


@register
class Power(_Neuron):
    type_name, op = "Power", codes.POWER

    def work_out(self, spec):
        p = spec.power_param
        return p.power, p.scale, p.shift


@register
class Exp(_Neuron):
    type_name, op = "Exp", codes.EXP

    def work_out(self, spec):
        p = spec.exp_param
        log_base = _base(spec, p)
        return log_base * p.scale, math.exp(log_base * p.shift), 0.0


@register
class Log(_Neuron):
    type_name, op = "Log", codes.LOG

    def work_out(self, spec):
        p = spec.log_param
        return p.scale, p.shift, 1.0 / _base(spec, p)


@register
class Threshold(_Neuron):
    type_name, op = "Threshold", codes.THRESHOLD

    def work_out(self, spec):
        return spec.threshold_param.threshold, 0.0, 0.0


@register
class Clip(_Neuron):
    type_name, op = "Clip", codes.CLIP

    def work_out(self, spec):
        p = spec.clip_param
        if not (p.HasField("min") and p.HasField("max")):
            raise InputError(f"layer {spec.name!r} (Clip): clip_param needs both min and max, as in Caffe")
        if p.min > p.max:
            raise InputError(f"layer {spec.name!r} (Clip): min {p.min:g} is above max {p.max:g}")
        return p.min, p.max, 0.0


@register
class Swish(_Neuron):
    type_name, op = "Swish", codes.SWISH

    def work_out(self, spec):
        return spec.swish_param.beta, 0.0, 0.0
