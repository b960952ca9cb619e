"""MAX and AVE pooling, forward and backward, with Caffe's window rules.

A window starts at y * stride - pad. AVE divides by the window clipped to size + pad (padding
counts, the ceil-mode overhang does not), then clipped to the image for the sum. MAX remembers
the first maximum's position (y * W + x), which alone receives the gradient.
"""

import functools

import numba
import numpy as np

from . import simd_pool

# Indices known to be in range are cast to unsigned, with each plane and row taken as a view once:
# Numba then skips its test for negative (from-the-end) indices in the inner loops.
U = numba.uint64


@numba.njit(cache=True, inline="always")
def _window_max(plane, width, y0, y1, x0, x1, lowest):
    """The first maximum of plane[y0:y1, x0:x1] in row-major order and its position y * W + x."""
    best = lowest
    where = -1
    for yy in range(y0, y1):
        row = plane[U(yy)]
        for xx in range(x0, x1):
            value = row[U(xx)]
            if value > best:
                best = value
                where = yy * width + xx
    return best, where


@numba.njit(cache=True)
def _inner_columns(ow, width, kw, pw, sw):
    """[x_first, x_last): the outputs whose windows lie wholly inside the image's columns."""
    x_first = min(ow, (pw + sw - 1) // sw)
    return x_first, max(x_first, min(ow, (width + pw - kw) // sw + 1))


def _vector_offsets(out, image, kh, kw, pw, sw):
    """offsets[i * kw + j] = i * W + j when the 8-output kernels (simd_pool.py) take this call:
    float32, a column stride of 1 or 2, C-contiguous; else None."""
    if (
        image.dtype != np.float32
        or sw not in (1, 2)
        or not (image.flags.c_contiguous and out.flags.c_contiguous)
    ):
        return None
    x_first, x_last = _inner_columns(out.shape[3], image.shape[3], kw, pw, sw)
    if x_last - x_first < simd_pool.LANES:  # too few windows inside the columns: all scalar
        return None
    return _window_offsets(kh, kw, image.shape[3])


@functools.lru_cache(maxsize=64)
def _window_offsets(kh, kw, width):
    """offsets[i * kw + j] = i * width + j, made once per geometry (every step pools the same)."""
    offsets = (np.arange(kh)[:, None] * width + np.arange(kw)[None, :]).reshape(-1).astype(np.int64)
    offsets.flags.writeable = False
    return offsets


_NO_ARGMAX = np.empty((1, 1, 1, 1), np.int32)  # AVE's stand-in for the argmax the frame takes


def max_pool_forward(out, argmax, image, kh, kw, ph, pw, sh, sw):
    """out = each window's maximum, argmax = its first position (y * W + x), -1 for a window of
    NaNs. float32 batches with a column stride of 1 or 2 take 8 outputs of a row at once
    (simd_pool.py); the rest, and the windows overhanging a side, the scalar loop."""
    offsets = _vector_offsets(out, image, kh, kw, pw, sw)
    if offsets is not None and argmax.flags.c_contiguous:
        _pool_forward_vector(out, argmax, image, offsets, kh, kw, ph, pw, sh, sw, False)
    else:
        _max_pool_forward_scalar(out, argmax, image, kh, kw, ph, pw, sh, sw)


def ave_pool_forward(out, image, kh, kw, ph, pw, sh, sw):
    """out = each window's mean (Caffe's divisor, module docstring), summed in the data's precision;
    8 outputs at a time where max_pool_forward takes them."""
    offsets = _vector_offsets(out, image, kh, kw, pw, sw)
    if offsets is not None:
        _pool_forward_vector(out, _NO_ARGMAX, image, offsets, kh, kw, ph, pw, sh, sw, True)
    else:
        _ave_pool_forward_scalar(out, image, kh, kw, ph, pw, sh, sw)


@numba.njit(parallel=True, cache=True)
def _max_pool_forward_scalar(out, argmax, image, kh, kw, ph, pw, sh, sw):
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    lowest = image.dtype.type(-np.inf)
    for n in numba.prange(n_images):
        for c in range(channels):
            plane = image[n, c]
            for y in range(oh):
                y0 = max(y * sh - ph, 0)
                y1 = min(y * sh - ph + kh, height)
                out_row, argmax_row = out[n, c, y], argmax[n, c, y]
                for x in range(ow):
                    x0 = max(x * sw - pw, 0)
                    x1 = min(x * sw - pw + kw, width)
                    out_row[U(x)], argmax_row[U(x)] = _window_max(plane, width, y0, y1, x0, x1, lowest)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _pool_forward_vector(out, argmax, image, offsets, kh, kw, ph, pw, sh, sw, mean):
    """C-contiguous float32 out and image (and int32 argmax for MAX); offsets[i * kw + j] = i * W
    + j; ``mean``: AVE, else MAX."""
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    lowest = image.dtype.type(-np.inf)
    # outputs whose windows lie wholly inside the image's columns, 8 at a time (the last 8
    # overlap the ones before when the count is not a multiple of 8)
    x_first, x_last = _inner_columns(ow, width, kw, pw, sw)
    vector = x_last - x_first >= simd_pool.LANES
    image_at, out_at, argmax_at = image.ctypes.data, out.ctypes.data, argmax.ctypes.data
    for index in numba.prange(n_images * channels):
        n, c = index // channels, index % channels
        plane = image[n, c]
        for y in range(oh):
            top = y * sh - ph
            y0, y1 = max(top, 0), min(top + kh, height)
            first_tap, last_tap = (y0 - top) * kw, (y1 - top) * kw
            bottom = min(top + kh, height + ph)  # AVE's divisor counts the padding, not the overhang
            out_row = out[n, c, y]
            row_at = 4 * ((index * oh + y) * ow)
            if vector:
                x = x_first
                while x < x_last:
                    x8 = min(x, x_last - simd_pool.LANES)
                    start = top * width + x8 * sw - pw  # lane 0's window start in the plane
                    source = image_at + 4 * (index * height * width + start)
                    args = (source, offsets.ctypes.data, first_tap, last_tap, out_at + row_at + 4 * x8)
                    if mean:
                        size = np.float32((bottom - top) * kw)
                        if sw == 1:
                            simd_pool.window_mean_stride1(*args, size)
                        else:
                            simd_pool.window_mean_stride2(*args, size)
                    elif sw == 1:
                        simd_pool.window_max_stride1(*args, argmax_at + row_at + 4 * x8, start)
                    else:
                        simd_pool.window_max_stride2(*args, argmax_at + row_at + 4 * x8, start)
                    x = x8 + simd_pool.LANES
            for x in range(ow):
                if vector and x_first <= x < x_last:
                    continue
                xs = x * sw - pw
                if mean:
                    out_row[U(x)] = _window_mean(
                        plane, height, width, top, bottom, xs, min(xs + kw, width + pw)
                    )
                else:
                    x0, x1 = max(xs, 0), min(xs + kw, width)
                    out_row[U(x)], argmax[n, c, y, U(x)] = _window_max(plane, width, y0, y1, x0, x1, lowest)


@numba.njit(parallel=True, cache=True)
def max_pool_backward(image_diff, out_diff, argmax, kh, kw, ph, pw, sh, sw):
    """image_diff = out_diff routed to each window's first maximum. The geometry is unused here (the
    scatter by ``argmax`` is serial within an image, hence deterministic); the CUDA twin needs it
    to gather. Each pixel sums its windows in row-major order, as the twin does."""
    n_images, channels, height, width = image_diff.shape
    oh, ow = out_diff.shape[2], out_diff.shape[3]
    for n in numba.prange(n_images):
        image_diff[n] = 0
        for c in range(channels):
            plane = image_diff[n, c].reshape(height * width)
            for y in range(oh):
                diff_row, argmax_row = out_diff[n, c, y], argmax[n, c, y]
                for x in range(ow):
                    where = argmax_row[U(x)]
                    if where >= 0:  # -1: a window of NaNs had no maximum
                        plane[U(where)] += diff_row[U(x)]


@numba.njit(cache=True, inline="always", error_model="numpy")
def _window_mean(plane, height, width, ys, ye, xs, xe):
    """The mean of the window [ys, ye) x [xs, xe) (padding included, so the divisor counts it),
    summed in row-major order over the part inside the image, in the data's precision."""
    total = plane.dtype.type(0)
    for yy in range(max(ys, 0), min(ye, height)):
        row = plane[U(yy)]
        for xx in range(max(xs, 0), min(xe, width)):
            total += row[U(xx)]
    return total / plane.dtype.type((ye - ys) * (xe - xs))


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _ave_pool_forward_scalar(out, image, kh, kw, ph, pw, sh, sw):
    n_images, channels, height, width = image.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in numba.prange(n_images):
        for c in range(channels):
            plane = image[n, c]
            for y in range(oh):
                ys = y * sh - ph
                ye = min(ys + kh, height + ph)
                out_row = out[n, c, y]
                for x in range(ow):
                    xs = x * sw - pw
                    out_row[U(x)] = _window_mean(plane, height, width, ys, ye, xs, min(xs + kw, width + pw))


@numba.njit(parallel=True, cache=True, error_model="numpy")
def ave_pool_backward(image_diff, out_diff, kh, kw, ph, pw, sh, sw):
    n_images, channels, height, width = image_diff.shape
    oh, ow = out_diff.shape[2], out_diff.shape[3]
    for n in numba.prange(n_images):
        image_diff[n] = 0
        for c in range(channels):
            plane = image_diff[n, c]
            for y in range(oh):
                ys = y * sh - ph
                ye = min(ys + kh, height + ph)
                diff_row = out_diff[n, c, y]
                for x in range(ow):
                    xs = x * sw - pw
                    xe = min(xs + kw, width + pw)
                    share = diff_row[U(x)] / ((ye - ys) * (xe - xs))
                    for yy in range(max(ys, 0), min(ye, height)):
                        row = plane[U(yy)]
                        for xx in range(max(xs, 0), min(xe, width)):
                            row[U(xx)] += share
