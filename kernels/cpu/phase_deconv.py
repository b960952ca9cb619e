"""A strided Deconvolution as stride-1 convolutions, one output channel per phase; CPU only.

With stride s and kernel k, output row Y (Y + pad = s·a + r) takes kernel rows r, r + s, r + 2s, ...
from input rows a, a - 1, a - 2, ...: for each phase r a stride-1 correlation with T = ceil(k / s)
taps. So the forward pass is one stride-1 convolution of the padded input with s_h·s_w outputs per
channel (channels (o, r_h, r_w)), then those phases interleaved into the image (phases_to_image),
and the input gradient is one stride-1 convolution of the top gradient split into its phases
(image_to_phases). Both run on direct_conv.py's register-blocked kernel, which reads no column
matrix: im2col's columns for the FCN's 8 x 8 stride-4 upsampling are 14x its input.

The geometry of one axis is PhaseAxis's; the weights' rearrangements are small NumPy copies.
"""

from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

U = numba.uint64


@dataclass(frozen=True)
class PhaseAxis:
    """One axis of a Deconvolution of ``size`` inputs, ``kernel`` taps, ``stride``, ``pad``."""

    size: int
    kernel: int
    stride: int
    pad: int

    @property
    def taps(self) -> int:  # T: kernel rows per phase
        return -(-self.kernel // self.stride)

    @property
    def output(self) -> int:
        return self.stride * (self.size - 1) + self.kernel - 2 * self.pad

    @property
    def first(self) -> int:  # a of output 0
        return self.pad // self.stride

    @property
    def count(self) -> int:  # A: the phase-plane rows the output uses
        return (self.output - 1 + self.pad) // self.stride - self.first + 1

    @property
    def input_pad(self) -> int:  # P: the forward convolution's padding of the input, both sides
        return max(0, self.taps - 1 - self.first, self.count + self.first - self.size)

    @property
    def skipped(self) -> int:  # e: phase-plane rows computed before the first one used
        return self.input_pad + self.first - self.taps + 1

    @property
    def planes(self) -> int:  # the forward convolution's output rows
        return self.count + self.skipped

    @property
    def origin(self) -> int:  # a - origin = the phase-plane row holding phase-row a
        return self.first - self.skipped

    @property
    def split(self) -> int:  # rows of the split top gradient: the input gradient's padded input
        return self.size + self.taps - 1


def _padded_kernel(weights, sh, sw, th, tw):
    """weights (C, Og, kh, kw) with zero kernel rows and columns up to (th·sh, tw·sw), split as
    (C, Og, th, sh, tw, sw): kernel row i = t·s + r."""
    c, og, kh, kw = weights.shape
    padded = np.zeros((c, og, th * sh, tw * sw), np.float32)
    padded[:, :, :kh, :kw] = weights
    return padded.reshape(c, og, th, sh, tw, sw)


def forward_weights(weights, group, sh, sw, th, tw):
    """(group·Og·sh·sw, Cg·th·tw): output channel (o, r_h, r_w) of the forward convolution, over
    its group's inputs and taps u = T - 1 - t (a correlation runs the kernel rows backwards)."""
    c, og = weights.shape[:2]
    split = _padded_kernel(weights, sh, sw, th, tw)[:, :, ::-1, :, ::-1, :]
    split = split.reshape(group, c // group, og, th, sh, tw, sw).transpose(0, 2, 4, 6, 1, 3, 5)
    return split.reshape(group * og * sh * sw, (c // group) * th * tw)


def backward_weights(weights, sh, sw, th, tw):
    """(C, Og·sh·sw·th·tw): input channel c of the input gradient's convolution, over its group's
    phase channels (o, r_h, r_w) and taps t."""
    c, og = weights.shape[:2]
    split = _padded_kernel(weights, sh, sw, th, tw).transpose(0, 1, 3, 5, 2, 4)
    return split.reshape(c, og * sh * sw * th * tw)


def weight_gradient_back(grad, shape, sh, sw, th, tw):
    """The input gradient convolution's weight gradient (C, Og·sh·sw·th·tw) as the layer's
    (C, Og, kh, kw) (taps past the kernel dropped)."""
    c, og, kh, kw = shape
    split = grad.reshape(c, og, sh, sw, th, tw).transpose(0, 1, 4, 2, 5, 3)
    return split.reshape(c, og, th * sh, tw * sw)[:, :, :kh, :kw]


@numba.njit(cache=True, parallel=True, error_model="numpy")
def phases_to_image(out, planes, bias, has_bias, sh, sw, ph, pw, origin_h, origin_w):
    """out (N, O, H, W) = the phase planes (N, O, sh, sw, rows, cols) interleaved, plus bias[o]:
    out[Y, X] = planes[(Y + ph) % sh, (X + pw) % sw, (Y + ph) // sh - origin_h, (X + pw) // sw -
    origin_w]."""
    n, o, h, w = out.shape
    for task in prange(n * o):
        b, ch = task // o, task % o
        value = bias[ch] if has_bias else np.float32(0)
        for y in range(h):
            ry, row = (y + ph) % sh, (y + ph) // sh - origin_h
            target = out[b, ch, y]
            for rx in range(sw):
                x0 = (rx - pw) % sw  # the first column of phase rx
                col = (x0 + pw) // sw - origin_w
                source = planes[b, ch, ry, rx, row]
                for i in range((w - x0 + sw - 1) // sw):
                    target[U(x0 + i * sw)] = source[U(col + i)] + value


@numba.njit(cache=True, parallel=True, error_model="numpy")
def image_to_phases(split, sums, diff, sh, sw, ph, pw, rows, cols, slack):
    """split: flat (N, O, sh, sw, rows, cols) plus ``slack`` zeros, split[b, o, r_h, r_w, a, c] =
    diff[b, o, sh·a + r_h - ph, sw·c + r_w - pw], zero outside diff (N, O, H, W); sums (N, O): each
    image's diff summed over its positions (the bias gradient's terms; every position lands once)."""
    n, o, h, w = diff.shape
    plane = rows * cols
    for task in prange(n * o):
        b, ch = task // o, task % o
        total = np.float32(0)
        base = task * sh * sw * plane
        for ry in range(sh):
            for rx in range(sw):
                start = base + (ry * sw + rx) * plane
                for a in range(rows):
                    y = sh * a + ry - ph
                    target = start + a * cols
                    if y < 0 or y >= h:
                        split[target : target + cols] = 0
                        continue
                    source = diff[b, ch, y]
                    for c in range(cols):
                        x = sw * c + rx - pw
                        value = source[U(x)] if 0 <= x < w else np.float32(0)
                        split[U(target + c)] = value
                        total += value
        sums[b, ch] = total
    tail = n * o * sh * sw * plane
    split[tail : tail + slack] = 0
