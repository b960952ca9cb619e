"""im2col and col2im for a batch: convolution as one matrix product per image (and group).

col[n, (c * kh + i) * kw + j, y * ow + x] = image[n, c, y * sh - ph + i * dh, x * sw - pw + j * dw],
zero where that falls in the padding. col2im adds the columns back (the adjoint of im2col).
Loops run over output rows and columns directly, so the inner loop writes (or reads) one
contiguous row of ``col`` with no division.
"""

import numba


@numba.njit(parallel=True, cache=True)
def im2col(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """col: (N, C*kh*kw, oh*ow); image: (N, C, H, W)."""
    n_images, channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    for n in numba.prange(n_images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for oy in range(oh):
                        y = oy * sh - ph + i * dh
                        base = oy * ow
                        if y < 0 or y >= height:
                            for ox in range(ow):
                                col[n, row, base + ox] = 0
                            continue
                        for ox in range(ow):
                            x = ox * sw - pw + j * dw
                            col[n, row, base + ox] = image[n, c, y, x] if 0 <= x < width else 0


@numba.njit(parallel=True, cache=True)
def col2im(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    """image (N, C, H, W) = the sum of col's entries over the positions they were copied from."""
    n_images, channels, height, width = image.shape
    oh = (height + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
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
                        base = oy * ow
                        for ox in range(ow):
                            x = ox * sw - pw + j * dw
                            if 0 <= x < width:
                                image[n, c, y, x] += col[n, row, base + ox]
