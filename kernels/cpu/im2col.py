"""im2col and col2im over a whole batch, in the "wide" layout: a convolution is then one large
matrix product for the batch (per group), which BLAS runs far better than one small product per
image.

col[(c * kh + i) * kw + j, n * P + y * ow + x] = image[n, c, y * sh - ph + i * dh, x * sw - pw + j * dw]
(P = oh * ow), zero where that falls in the padding. col2im adds the columns back (the adjoint).
Loops run over output rows and columns directly, so inner loops touch one contiguous run of
``col`` with no division.
"""

import numba


@numba.njit(cache=True, inline="always")
def _copy_plane(col, row, start, plane, i, j, oh, ow, ph, pw, sh, sw, dh, dw):
    """col[row, start + y * ow + x] for one image plane (H, W) and kernel offset (i, j)."""
    height, width = plane.shape
    for oy in range(oh):
        y = oy * sh - ph + i * dh
        base = start + oy * ow
        if y < 0 or y >= height:
            for ox in range(ow):
                col[row, base + ox] = 0
            continue
        for ox in range(ow):
            x = ox * sw - pw + j * dw
            col[row, base + ox] = plane[y, x] if 0 <= x < width else 0


@numba.njit(parallel=True, cache=True)
def im2col(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """col: (C*kh*kw, N*oh*ow); image: (N, C, H, W)."""
    n_images, channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    positions = oh * ow
    for c in numba.prange(channels):
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                for n in range(n_images):
                    _copy_plane(col, row, n * positions, image[n, c], i, j, oh, ow, ph, pw, sh, sw, dh, dw)


@numba.njit(parallel=True, cache=True)
def col2im(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    """image (N, C, H, W) = the sum of col's entries over the positions they were copied from."""
    n_images, channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    positions = oh * ow
    for n in numba.prange(n_images):
        image[n] = 0
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for oy in range(oh):
                        y = oy * sh - ph + i * dh
                        if y < 0 or y >= height:
                            continue
                        base = n * positions + oy * ow
                        for ox in range(ow):
                            x = ox * sw - pw + j * dw
                            if 0 <= x < width:
                                image[n, c, y, x] += col[row, base + ox]


# One image at a time, for the CPU's inference convolution on worker threads (nogil, no
# parallel region): the loops above with n fixed, writing a (C*kh*kw, oh*ow) matrix that stays in cache.


@numba.njit(cache=True, nogil=True)
def im2col_image(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """col: (C*kh*kw, oh*ow); image: (C, H, W)."""
    channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                _copy_plane(col, (c * kh + i) * kw + j, 0, image[c], i, j, oh, ow, ph, pw, sh, sw, dh, dw)
