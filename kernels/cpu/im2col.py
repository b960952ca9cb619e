"""im2col and col2im for a batch: convolution as one matrix product per image (and group).

col[n, (c * kh + i) * kw + j, y * ow + x] = image[n, c, y * sh - ph + i * dh, x * sw - pw + j * dw],
zero where that falls in the padding. col2im adds the columns back (the adjoint of im2col).
"""

import numba


@numba.njit(parallel=True, cache=True)
def im2col(col, image, kh, kw, ph, pw, sh, sw, dh, dw):
    """col: (N, C*kh*kw, oh*ow); image: (N, C, H, W)."""
    n_images, channels, height, width = image.shape
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    positions = col.shape[2]
    for n in numba.prange(n_images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for p in range(positions):
                        y = (p // ow) * sh - ph + i * dh
                        x = (p % ow) * sw - pw + j * dw
                        if 0 <= y < height and 0 <= x < width:
                            col[n, row, p] = image[n, c, y, x]
                        else:
                            col[n, row, p] = 0


@numba.njit(parallel=True, cache=True)
def col2im(image, col, kh, kw, ph, pw, sh, sw, dh, dw):
    """image (N, C, H, W) = the sum of col's entries over the positions they were copied from."""
    n_images, channels, height, width = image.shape
    ow = (width + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1
    positions = col.shape[2]
    for n in numba.prange(n_images):
        image[n] = 0
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for p in range(positions):
                        y = (p // ow) * sh - ph + i * dh
                        x = (p % ow) * sw - pw + j * dw
                        if 0 <= y < height and 0 <= x < width:
                            image[n, c, y, x] += col[n, row, p]
