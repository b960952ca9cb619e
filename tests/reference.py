"""Slow, readable NumPy oracles that the fast kernels are tested against."""

import numpy as np


def transform_u8(pixels: np.ndarray, mean: np.ndarray, scale: float) -> np.ndarray:
    """Caffe's data transform: ``(pixel - mean) * scale`` in float32."""
    return ((pixels.astype(np.float32) - mean.astype(np.float32)) * np.float32(scale)).astype(np.float32)


def caffe_transform(datum, scale, mean=None, mean_values=(), crop=0, h_off=0, w_off=0, mirror=False):
    """Caffe's DataTransformer::Transform(Datum) for one uint8 image (C, H, W), element by element:
    the mean (a full-size image, or one value per channel) is taken under the crop, before the flip."""
    channels, height, width = datum.shape
    out_h, out_w = (crop, crop) if crop else (height, width)
    out = np.empty((channels, out_h, out_w), np.float32)
    for c in range(channels):
        for h in range(out_h):
            for w in range(out_w):
                top_w = out_w - 1 - w if mirror else w
                value = np.float32(datum[c, h_off + h, w_off + w])
                if mean is not None:
                    value = value - np.float32(mean[c, h_off + h, w_off + w])
                elif mean_values:
                    value = value - np.float32(mean_values[c])
                out[c, h, top_w] = value * np.float32(scale)
    return out


def sgd_update(data, history, diff, lr_mult, decay_mult, rate, momentum, weight_decay, l1=False):
    """Caffe's SGDSolver step (Regularize, ComputeUpdateValue, Update), returning new (data, history)."""
    regular = np.sign(data) if l1 else data
    gradient = diff + weight_decay * decay_mult * regular
    history = momentum * history + rate * lr_mult * gradient
    return data - history, history


SOLVER_TYPES = ("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam")


def solver_update(kind, data, history, history2, diff, lr_mult, decay_mult, rate, momentum, momentum2=0.999,
                  rms_decay=0.99, delta=1e-8, weight_decay=0.0, l1=False):  # fmt: skip
    """One step of Caffe's solver ``kind`` (a name of SOLVER_TYPES) in float64, as Caffe's
    ComputeUpdateValue of each solver writes it step by step; returns new (data, history, history2).
    Adam's bias correction is left to ``rate``, as the kernels take it."""
    data, history, history2, diff = (np.asarray(a, np.float64) for a in (data, history, history2, diff))
    gradient = diff + weight_decay * decay_mult * (np.sign(data) if l1 else data)  # Regularize
    local_rate = rate * np.asarray(lr_mult, np.float64)
    if kind == "SGD":
        history = momentum * history + local_rate * gradient
        update = history
    elif kind == "Nesterov":
        previous = history
        history = momentum * history + local_rate * gradient
        update = (1 + momentum) * history - momentum * previous
    elif kind == "AdaGrad":
        history = history + gradient**2
        update = local_rate * gradient / (np.sqrt(history) + delta)
    elif kind == "RMSProp":
        history = rms_decay * history + (1 - rms_decay) * gradient**2
        update = local_rate * gradient / (np.sqrt(history) + delta)
    elif kind == "AdaDelta":
        history = momentum * history + (1 - momentum) * gradient**2
        scaled = gradient * np.sqrt((history2 + delta) / (history + delta))
        history2 = momentum * history2 + (1 - momentum) * scaled**2
        update = local_rate * scaled
    elif kind == "Adam":
        history = momentum * history + (1 - momentum) * gradient
        history2 = momentum2 * history2 + (1 - momentum2) * gradient**2
        update = local_rate * history / (np.sqrt(history2) + delta)
    else:
        raise ValueError(kind)
    return data - update, history, history2  # Net::Update: w -= diff


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


M32 = 0xFFFFFFFF


def fmix32(h):
    """murmur3's finaliser on Python integers (kernels/cpu/dropout.py states the hash)."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


def python_uniform(key0, key1, key2, i):
    """The counter-based uniform draw u(i) of kernels/cpu/dropout.py, on Python integers."""
    ka = fmix32(fmix32(fmix32((key0 & M32) ^ 0x9E3779B9) ^ (key1 & M32)) ^ (key2 & M32))
    kb = fmix32(ka ^ 0x7F4A7C15)
    h = fmix32((fmix32((i & M32) ^ ka) + kb) & M32)
    return np.float32((h >> 8) / 2**24)


def uniforms(keys, shape):
    """The draws u(0), u(1), ... of one sampling call, as a matrix of ``shape`` (row-major)."""
    return np.array([python_uniform(*keys, i) for i in range(int(np.prod(shape)))]).reshape(shape)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def cd_k_step(W, vb, hb, W_inc, vb_inc, hb_inc, v0, k, lr, momentum, weight_cost, draws, gaussian=False):
    """One CD-k update as darch describes it, in float64; ``draws`` gives each sampling call's
    uniforms. Returns the new (W, vb, hb, W_inc, vb_inc, hb_inc) and the reconstruction error."""
    n = v0.shape[0]
    h0 = sigmoid(v0 @ W + hb)
    states = (draws[0] < h0).astype(float)
    for step in range(k):
        v = states @ W.T + vb
        v = v if gaussian else sigmoid(v)
        h = sigmoid(v @ W + hb)
        if step + 1 < k:
            states = (draws[step + 1] < h).astype(float)
    W_inc = momentum * W_inc + lr * ((v0.T @ h0 - v.T @ h) / n - weight_cost * W)
    vb_inc = momentum * vb_inc + lr / n * (v0.sum(0) - v.sum(0))
    hb_inc = momentum * hb_inc + lr / n * (h0.sum(0) - h.sum(0))
    return (W + W_inc, vb + vb_inc, hb + hb_inc, W_inc, vb_inc, hb_inc), np.sum((v0 - v) ** 2) / n


def backprop_step(weights, increments, x, t, lr_w, lr_b, momentum):
    """One step of darch's backpropagation with sigmoid layers: delta_L = (t - y) y (1 - y), gradients
    averaged over the batch, momentum on the change. ``weights``: (n_in + 1, n_out) with bias rows."""
    outputs = [x]
    for W in weights:
        outputs.append(sigmoid(np.hstack([outputs[-1], np.ones((len(x), 1))]) @ W))
    delta = (t - outputs[-1]) * outputs[-1] * (1 - outputs[-1])
    new_w, new_inc = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        inputs = np.hstack([outputs[i], np.ones((len(x), 1))])
        rates = np.array([lr_w] * (inputs.shape[1] - 1) + [lr_b])[:, None]
        new_inc[i] = momentum * increments[i] + rates * (inputs.T @ delta) / len(x)
        new_w[i] = weights[i] + new_inc[i]
        if i > 0:
            delta = (delta @ weights[i][:-1].T) * outputs[i] * (1 - outputs[i])
    return new_w, new_inc


def batch_norm(x, running_mean, running_var, factor, eps, fraction, global_stats):
    """Caffe's BatchNormLayer::Forward_cpu on x (N, C, ...): (y, running_mean, running_var, factor)
    after the pass (the blobs change only with batch statistics)."""
    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if global_stats:
        scale = 0.0 if factor[0] == 0 else 1.0 / factor[0]
        mean, var = running_mean * scale, running_var * scale
    else:
        mean = x.mean(axis=axes)
        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
        m = x.size // x.shape[1]
        correction = m / (m - 1) if m > 1 else 1.0
        running_mean = running_mean * fraction + mean
        running_var = running_var * fraction + correction * var
        factor = factor * fraction + 1
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return y, running_mean, running_var, factor


def deconv2d(image, weights, bias, pad, stride, dilation=(1, 1), group=1):
    """Caffe's Deconvolution written as a scatter: every input pixel adds its value times its kernel
    (weights (C, outputs / group, kh, kw)) into the output, which then loses ``pad`` at each border."""
    n, c, h, w = image.shape
    _, per_group, kh, kw = weights.shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    full = np.zeros(
        (n, per_group * group, sh * (h - 1) + dh * (kh - 1) + 1, sw * (w - 1) + dw * (kw - 1) + 1)
    )
    inputs_per_group = c // group
    for ch in range(c):
        g = ch // inputs_per_group
        for y in range(h):
            for x in range(w):
                for i in range(kh):
                    for j in range(kw):
                        full[:, g * per_group : (g + 1) * per_group, y * sh + i * dh, x * sw + j * dw] += (
                            image[:, ch, y, x][:, None] * weights[ch, :, i, j][None, :]
                        )
    out = full[:, :, ph : full.shape[2] - ph, pw : full.shape[3] - pw]
    return out + (0 if bias is None else bias[None, :, None, None])


def lstm(x, cont, w_x, b, w_h, h0, c0, x_static=None, w_static=None):
    """Caffe's unrolled LSTM, timestep by timestep: x (T, N, D), cont (T, N); returns h (T, N, H)
    and the final (h, c). Gates in Caffe's order i, f, o, g along the 4H pre-activations."""
    steps, hidden = x.shape[0], w_h.shape[1]
    h, c, out = h0, c0, []
    for t in range(steps):
        kept = cont[t][:, None]
        a = x[t].reshape(len(x[t]), -1) @ w_x.T + b + (kept * h) @ w_h.T
        if x_static is not None:
            a = a + x_static.reshape(len(x_static), -1) @ w_static.T
        i, f, o = (sigmoid(a[:, k * hidden : (k + 1) * hidden]) for k in range(3))
        g = np.tanh(a[:, 3 * hidden :])
        c = kept * f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out), h, c


def rnn(x, cont, w_x, b, w_h, w_o, b_o, h0, x_static=None, w_static=None):
    """Caffe's unrolled RNN: h_t = tanh(W_xh x_t + b_h + W_hh cont_t h_{t-1}), o_t = tanh(W_ho h_t + b_o);
    returns o (T, N, H) and the final h."""
    h, out = h0, []
    for t in range(x.shape[0]):
        a = x[t].reshape(len(x[t]), -1) @ w_x.T + b + (cont[t][:, None] * h) @ w_h.T
        if x_static is not None:
            a = a + x_static.reshape(len(x_static), -1) @ w_static.T
        h = np.tanh(a)
        out.append(np.tanh(h @ w_o.T + b_o))
    return np.stack(out), h
