"""Slow, readable NumPy oracles that the fast kernels are tested against."""

import numpy as np


def transform_u8(pixels: np.ndarray, mean: np.ndarray, scale: float) -> np.ndarray:
    """Caffe's data transform: ``(pixel - mean) * scale`` in float32."""
    return ((pixels.astype(np.float32) - mean.astype(np.float32)) * np.float32(scale)).astype(np.float32)


def sgd_update(data, history, diff, lr_mult, decay_mult, rate, momentum, weight_decay, l1=False):
    """Caffe's SGDSolver step (Regularize, ComputeUpdateValue, Update), returning new (data, history)."""
    regular = np.sign(data) if l1 else data
    gradient = diff + weight_decay * decay_mult * regular
    history = momentum * history + rate * lr_mult * gradient
    return data - history, history


def conv2d(image, weights, bias, pad, stride, dilation=(1, 1), group=1):
    """Direct convolution (cross-correlation, as Caffe) by loops over output positions."""
    n, channels, height, width = image.shape
    out_channels, group_channels, kh, kw = weights.shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    padded = np.zeros((n, channels, height + 2 * ph, width + 2 * pw), dtype=image.dtype)
    padded[:, :, ph : ph + height, pw : pw + width] = image
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    out = np.zeros((n, out_channels, oh, ow), dtype=image.dtype)
    per_group = out_channels // group
    for o in range(out_channels):
        g = o // per_group
        inputs = padded[:, g * group_channels : (g + 1) * group_channels]
        for y in range(oh):
            for x in range(ow):
                patch = inputs[
                    :, :, y * sh : y * sh + dh * (kh - 1) + 1 : dh, x * sw : x * sw + dw * (kw - 1) + 1 : dw
                ]
                out[:, o, y, x] = (patch * weights[o]).sum(axis=(1, 2, 3))
        if bias is not None:
            out[:, o] += bias[o]
    return out


def pool2d(image, kernel, pad, stride, out_size, method):
    """Caffe's MAX / AVE pooling by loops, with its window clipping rules."""
    n, channels, height, width = image.shape
    (kh, kw), (ph, pw), (sh, sw), (oh, ow) = kernel, pad, stride, out_size
    out = np.zeros((n, channels, oh, ow), dtype=image.dtype)
    for y in range(oh):
        for x in range(ow):
            ys, xs = y * sh - ph, x * sw - pw
            ye, xe = min(ys + kh, height + ph), min(xs + kw, width + pw)
            window = image[:, :, max(ys, 0) : min(ye, height), max(xs, 0) : min(xe, width)]
            if method == "MAX":
                out[:, :, y, x] = window.max(axis=(2, 3))
            else:
                out[:, :, y, x] = window.sum(axis=(2, 3)) / ((ye - ys) * (xe - xs))
    return out


def lrn_across_channels(x, size, alpha, beta, k):
    """Caffe's LRN over channels: x / (k + alpha/size * sum of x^2 in the channel window)^beta."""
    out = np.empty_like(x)
    channels, pre = x.shape[1], (size - 1) // 2
    for c in range(channels):
        low, high = max(0, c - pre), min(channels, c - pre + size)
        out[:, c] = x[:, c] * (k + alpha / size * (x[:, low:high] ** 2).sum(axis=1)) ** -beta
    return out


def lrn_within_channel(x, size, alpha, beta):
    """Caffe's LRN within a channel: x / (1 + alpha * average of x^2 over a size x size window)^beta."""
    pre = (size - 1) // 2
    pooled = pool2d(x**2, (size, size), (pre, pre), (1, 1), x.shape[2:], "AVE")
    return x * (1 + alpha * pooled) ** -beta
