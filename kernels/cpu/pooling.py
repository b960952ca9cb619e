"""MAX and AVE pooling, forward and backward, with Caffe's window rules.

A window starts at y * stride - pad. AVE divides by the window clipped to size + pad (padding
counts, the ceil-mode overhang does not), then clipped to the image for the sum. MAX remembers
the first maximum's position (y * W + x), which alone receives the gradient.
"""

import numba
import numpy as np

# Indices known to be in range are cast to unsigned, with each plane and row taken as a view once:
# Numba then skips its test for negative (from-the-end) indices in the inner loops.
U = numba.uint64


@numba.njit(parallel=True, cache=True)
def max_pool_forward(out, argmax, image, kh, kw, ph, pw, sh, sw):
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
                    best = lowest
                    where = -1
                    for yy in range(y0, y1):
                        row = plane[U(yy)]
                        for xx in range(x0, x1):
                            value = row[U(xx)]
                            if value > best:
                                best = value
                                where = yy * width + xx
                    out_row[U(x)] = best
                    argmax_row[U(x)] = where


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


@numba.njit(parallel=True, cache=True, error_model="numpy")
def ave_pool_forward(out, image, kh, kw, ph, pw, sh, sw):
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
                    xe = min(xs + kw, width + pw)
                    size = (ye - ys) * (xe - xs)
                    total = 0.0
                    for yy in range(max(ys, 0), min(ye, height)):
                        row = plane[U(yy)]
                        for xx in range(max(xs, 0), min(xe, width)):
                            total += row[U(xx)]
                    out_row[U(x)] = total / size


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
