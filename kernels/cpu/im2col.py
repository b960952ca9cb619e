"""im2col and col2im over a whole batch, in the "wide" layout: a convolution is then one large
matrix product for the batch (per group), which BLAS runs far better than one small product per
image.

col[(c * kh + i) * kw + j, n * P + y * ow + x] = image[n, c, y * sh - ph + i * dh, x * sw - pw + j * dw]
(P = oh * ow), zero where that falls in the padding. col2im adds the columns back (the adjoint).
Loops run over output rows and columns directly, so inner loops touch one contiguous run of
``col``; the output columns whose input falls inside the image, [low, high), are worked out once
per plane and kernel offset, so the copies carry no test per element (at stride 1, a plain copy).
"""

import numba

# Indices are cast to unsigned where they are known to be in range: Numba then skips its test for
# negative (from-the-end) indices, which otherwise keeps these short copy loops from vectorizing
# (serial im2col of cifar10_quick's conv2: 4x faster).
U = numba.uint64


@numba.njit(cache=True, inline="always")
def _output_size(height, width, kh, kw, ph, pw, sh, sw, dh, dw):
    """(oh, ow) of a convolution window over an (height, width) image."""
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    return oh, ow


@numba.njit(cache=True, inline="always")
def _inside(j, ow, pw, sw, dw, width):
    """(low, high, shift): the output columns [low, high) whose input column ox * sw + shift
    (shift = j * dw - pw) is in [0, width)."""
    shift = j * dw - pw  # input column of output column 0
    low = 0 if shift >= 0 else (-shift + sw - 1) // sw
    high = 0 if shift >= width else min(ow, (width - 1 - shift) // sw + 1)
    return min(low, ow), max(min(low, ow), high), shift


@numba.njit(cache=True, inline="always")
def _copy_plane(crow, start, plane, i, j, oh, ow, ph, pw, sh, sw, dh, dw):
    """crow[start + y * ow + x] (one row of col) for one image plane (H, W) and kernel offset (i, j)."""
    height, width = plane.shape
    low, high, shift = _inside(j, ow, pw, sw, dw, width)
    for oy in range(oh):
        y = oy * sh - ph + i * dh
        base = start + oy * ow
        if y < 0 or y >= height:
            for ox in range(ow):
                crow[U(base + ox)] = 0
            continue
        prow = plane[y]
        for ox in range(low):
            crow[U(base + ox)] = 0
        if sw == 1:
            for ox in range(low, high):
                crow[U(base + ox)] = prow[U(ox + shift)]
        else:
            for ox in range(low, high):
                crow[U(base + ox)] = prow[U(ox * sw + shift)]
        for ox in range(high, ow):
            crow[U(base + ox)] = 0


@numba.njit(cache=True, inline="always")
def _im2col_channel(col, image, c, kh, kw, ph, pw, sh, sw, dh, dw):
    """col's rows of input channel c, for every image."""
    n_images, _, height, width = image.shape
    oh, ow = _output_size(height, width, kh, kw, ph, pw, sh, sw, dh, dw)
    positions = oh * ow
    for i in range(kh):
        for j in range(kw):
            crow = col[(c * kh + i) * kw + j]
            for n in range(n_images):
                _copy_plane(crow, n * positions, image[n, c], i, j, oh, ow, ph, pw, sh, sw, dh, dw)


@numba.njit(cache=True, inline="always")
def _col2im_image(image, col, n, kh, kw, ph, pw, sh, sw, dh, dw):
    """image[n] = the sum of col's entries over the positions they were copied from."""
    _, channels, height, width = image.shape
    oh, ow = _output_size(height, width, kh, kw, ph, pw, sh, sw, dh, dw)
    positions = oh * ow
    image[n] = 0
    for c in range(channels):
        plane = image[n, c]
        for i in range(kh):
            for j in range(kw):
                crow = col[(c * kh + i) * kw + j]
                low, high, shift = _inside(j, ow, pw, sw, dw, width)
                for oy in range(oh):
                    y = oy * sh - ph + i * dh
                    if y < 0 or y >= height:
                        continue
                    prow = plane[y]
                    base = n * positions + oy * ow
                    if sw == 1:
                        for ox in range(low, high):
                            prow[U(ox + shift)] += crow[U(base + ox)]
                    else:
                        for ox in range(low, high):
                            prow[U(ox * sw + shift)] += crow[U(base + ox)]


@numba.njit(parallel=True, cache=True)
def im2col(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """col: (C*kh*kw, N*oh*ow); image: (N, C, H, W)."""
    for c in numba.prange(image.shape[1]):
        _im2col_channel(col, image, c, kh, kw, ph, pw, sh, sw, dh, dw)


@numba.njit(parallel=True, cache=True)
def col2im(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    """image (N, C, H, W) = the sum of col's entries over the positions they were copied from."""
    for n in numba.prange(image.shape[0]):
        _col2im_image(image, col, n, kh, kw, ph, pw, sh, sw, dh, dw)


# The same on one thread, for the CPU's convolutions on worker threads (nogil, no parallel region:
# the workqueue layer is not re-entrant), on a chunk of a few images whose columns stay in cache.


@numba.njit(cache=True, nogil=True)
def im2col_serial(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """``im2col`` on the calling thread."""
    for c in range(image.shape[1]):
        _im2col_channel(col, image, c, kh, kw, ph, pw, sh, sw, dh, dw)


@numba.njit(cache=True, nogil=True)
def col2im_serial(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    """``col2im`` on the calling thread."""
    for n in range(image.shape[0]):
        _col2im_image(image, col, n, kh, kw, ph, pw, sh, sw, dh, dw)
