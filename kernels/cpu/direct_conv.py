"""Stride-1 (along rows) convolution without im2col, on the register-blocked micro-kernel of
simd_conv.py; CPU only. The layer pads the batch once into a flat buffer (zero borders, slack at
the end), packs the weights into blocks of 6 output channels, and lists each kernel tap's offset
in the padded input. Each image is then worked through in blocks of 6 output channels x 16
output positions (two runs of 8 consecutive output columns), the accumulators staying in
registers while the taps run; images go to the cores in turn. A run that ends before 8 columns
computes its extra lanes from whatever follows in the buffer and does not store them.

The input gradient of a convolution with unit strides is itself such a convolution (of the top
gradient, padded by dilation * (kernel - 1) - pad, with the weights flipped and each group's
channels swapped), so the same kernel serves it. For any row stride there is the scatter form:
blocks of 6 kernel taps x 16 output positions, summed over the output channels, each tap's row
added to the input positions it shifts them to (one product per output position, the batch
im2col path's count, with no column matrix).
"""

import numba
import numpy as np
from numba import prange

from .simd_conv import ROWS, WIDTH, block_scatter_add, block_set, gather_block_add

U = numba.uint64
SLACK = 16  # floats after the padded batch: the spare lanes of a last partial run read into it


@numba.njit(cache=True, parallel=True)
def pad_batch(padded, image, ph, pw):
    """padded: flat, (N, C, H + 2 ph, W + 2 pw) plus SLACK; zero outside the image (each float
    written once: the borders zeroed, the rows copied)."""
    n, c, h, w = image.shape
    hp, wp = h + 2 * ph, w + 2 * pw
    for b in prange(n):
        for ch in range(c):
            base = (b * c + ch) * hp * wp
            padded[base : base + ph * wp + pw] = 0  # the top rows and the first row's left border
            for y in range(h):
                row = base + (y + ph) * wp + pw
                padded[row : row + w] = image[b, ch, y]
                padded[row + w : row + w + 2 * pw] = 0  # right border, and the next row's left one
            bottom = base + (h + ph) * wp
            padded[bottom + pw : base + hp * wp] = 0  # bottom rows (their first pw zeroed above)
    tail = n * c * hp * wp
    padded[tail : tail + SLACK] = 0


def tap_offsets(channels, hp, wp, kh, kw, dh, dw):
    """offsets[(c * kh + i) * kw + j]: where tap (c, i, j) reads, relative to its output's run."""
    c, i, j = np.meshgrid(np.arange(channels), np.arange(kh), np.arange(kw), indexing="ij")
    return ((c * hp + i * dh) * wp + j * dw).reshape(-1).astype(np.int64)


def pack_weights(weights, group):
    """weights (M, K) as (group, ceil(Mg / 6), K, 6), zero rows past the group's channels."""
    m, k = weights.shape
    per_group = m // group
    blocks = -(-per_group // ROWS)
    packed = np.zeros((group, blocks * ROWS, k), np.float32)
    packed[:, :per_group] = weights.reshape(group, per_group, k)
    return np.ascontiguousarray(packed.reshape(group, blocks, ROWS, k).transpose(0, 1, 3, 2))


@numba.njit(cache=True, parallel=True, error_model="numpy")
def forward(out, padded, packed, offsets, bias, has_bias, in_channels, hp, wp, sh):
    """out (N, M, OH, OW) = the convolution of the padded batch (see the module docstring);
    in_channels = C (all groups); offsets for one group's taps; sh the row stride."""
    n, m, oh, ow = out.shape
    group, blocks, taps, _ = packed.shape
    per_group = m // group
    cg = in_channels // group
    runs_per_row = (ow + 7) // 8
    runs = oh * runs_per_row
    positions = oh * ow
    for b in prange(n):
        tile = np.empty((ROWS, WIDTH), np.float32)
        flat = out[b].reshape(m, positions)
        for g in range(group):
            image_base = (b * in_channels + g * cg) * hp * wp
            for pair in range(0, runs, 2):
                y0, x0 = pair // runs_per_row, (pair % runs_per_row) * 8
                valid0 = min(8, ow - x0)
                if pair + 1 < runs:
                    y1, x1 = (pair + 1) // runs_per_row, ((pair + 1) % runs_per_row) * 8
                    valid1 = min(8, ow - x1)
                else:
                    y1, x1, valid1 = y0, x0, 0
                source = image_base + y0 * sh * wp + x0
                second = (y1 - y0) * sh * wp + (x1 - x0)
                p0, p1 = y0 * ow + x0, y1 * ow + x1
                direct = valid0 == 8 and valid1 == 8  # then p1 == p0 + 8
                for blk in range(blocks):
                    m0 = g * per_group + blk * ROWS
                    rows = min(ROWS, (g + 1) * per_group - m0)
                    weights = packed[g, blk]
                    if direct and rows == ROWS:
                        block_set(
                            weights.ctypes.data, padded[source:].ctypes.data, offsets.ctypes.data,
                            second, flat[m0, p0:].ctypes.data, positions, taps,
                        )  # fmt: skip
                        continue
                    block_set(
                        weights.ctypes.data, padded[source:].ctypes.data, offsets.ctypes.data,
                        second, tile.ctypes.data, WIDTH, taps,
                    )  # fmt: skip
                    for r in range(rows):
                        for t in range(valid0):
                            flat[m0 + r, p0 + t] = tile[r, t]
                        for t in range(valid1):
                            flat[m0 + r, p1 + t] = tile[r, 8 + t]
        if has_bias:
            for ch in range(m):
                value = bias[ch]
                row = flat[ch]
                for p in range(positions):
                    row[U(p)] += value


@numba.njit(cache=True, parallel=True, fastmath=True)  # fastmath: the sums vectorize (same order each run)
def pack_positions_major(packed, sums, diff):
    """packed (group, ceil(Mg / 16), N, P, 16) = diff (N, M, P) with the channels innermost, in
    panels of 16 (zero past each group's channels), consecutive images' positions one after another:
    the weight gradient's vectors. sums (N, M): each image's gradient summed over its positions
    (the bias gradient's terms), from the same pass."""
    group, panels, n, p, _ = packed.shape
    per_group = diff.shape[1] // group
    for b in prange(n):
        for g in range(group):
            for panel in range(panels):
                out = packed[g, panel, b]
                for t in range(WIDTH):
                    ch = panel * WIDTH + t
                    if ch < per_group:
                        source = diff[b, g * per_group + ch]
                        total = np.float32(0)
                        for q in range(p):
                            value = source[U(q)]
                            out[U(q), U(t)] = value
                            total += value
                        sums[b, g * per_group + ch] = total
                    else:
                        for q in range(p):
                            out[U(q), U(t)] = 0


def position_offsets(n, in_channels, hp, wp, oh, ow, sh, sw):
    """offsets[b * P + y * ow + x]: where image b's output position (y, x) reads its first tap,
    from the batch's start."""
    b, y, x = np.meshgrid(np.arange(n), np.arange(oh), np.arange(ow), indexing="ij")
    return (b * in_channels * hp * wp + y * sh * wp + x * sw).reshape(-1).astype(np.int64)


@numba.njit(cache=True, parallel=True, error_model="numpy")
def weight_gradient(grad, padded, packed_diff, positions, taps, in_channels, hp, wp, parts):
    """grad (M, K) = sum over images and positions of diff x input, K = Cg * kh * kw taps at
    ``taps`` (tap_offsets): each block is 6 taps x 16 output channels, all positions of a run of
    images one reduction; any strides and dilation. ``parts`` contiguous runs of images each sum
    into their own accumulator, added in order at the end, so the result depends only on ``parts``."""
    group, panels, n, p, _ = packed_diff.shape
    m, k = grad.shape
    per_group = m // group
    tap_blocks = (k + ROWS - 1) // ROWS
    padded_taps = np.empty(tap_blocks * ROWS, np.int64)
    padded_taps[:k] = taps
    padded_taps[k:] = taps[k - 1]  # spare rows read a real tap; they are not stored
    acc = np.zeros((parts, group, tap_blocks, panels, ROWS, WIDTH), np.float32)
    # images per pass over the taps: their gradients (64 bytes a position and panel) stay in cache
    chunk = max(1, 4096 // (p * panels))
    for task in prange(parts * group):
        part, g = task // group, task % group
        first, last = part * n // parts, (part + 1) * n // parts
        plane = g * (in_channels // group) * hp * wp
        for start in range(first, last, chunk):
            steps = (min(start + chunk, last) - start) * p
            for blk in range(tap_blocks):
                for panel in range(panels):
                    gather_block_add(
                        packed_diff[g, panel, start].ctypes.data, padded[plane:].ctypes.data,
                        positions[start * p :].ctypes.data, padded_taps[blk * ROWS :].ctypes.data,
                        acc[part, g, blk, panel].ctypes.data, WIDTH, steps,
                    )  # fmt: skip
    for g in range(group):
        for blk in range(tap_blocks):
            for r in range(min(ROWS, k - blk * ROWS)):
                for panel in range(panels):
                    for t in range(min(WIDTH, per_group - panel * WIDTH)):
                        total = np.float32(0)
                        for part in range(parts):
                            total += acc[part, g, blk, panel, r, t]
                        grad[g * per_group + panel * WIDTH + t, blk * ROWS + r] = total


def flipped_weights(weights, group):
    """weights (M, Cg, kh, kw) as the input gradient's (C, Mg, kh, kw): each group's channels
    swapped, the kernel turned by 180 degrees."""
    m, cg, kh, kw = weights.shape
    per_group = m // group
    grouped = weights.reshape(group, per_group, cg, kh, kw)[:, :, :, ::-1, ::-1]
    return np.ascontiguousarray(grouped.transpose(0, 2, 1, 3, 4).reshape(group * cg, per_group, kh, kw))


def scatter_geometry(oh, ow, h, w, kh, kw, ph, pw, sh, dh, dw):
    """The scatter input gradient's buffers: the top gradient's rows widened to whole runs of 8
    (ow8), with a zero row more (oh2) when an image's runs are odd in number, so runs pair up; the
    gradient summed into padded planes (hb, wb) that every widened run's taps land inside."""
    ow8 = -(-ow // 8) * 8
    oh2 = oh + (oh * (ow8 // 8)) % 2
    hb = max(h + 2 * ph, (oh2 - 1) * sh + (kh - 1) * dh + 1)
    wb = max(w + 2 * pw, ow8 + (kw - 1) * dw)
    return oh2, ow8, hb, wb


def scatter_tap_order(channels, kh, kw):
    """The scatter form's taps, kernel position major: tap_offsets' indices ordered (i, j, c). Six
    consecutive taps then lie in six channels' planes (when there are six), so a block's rows add
    to disjoint places; in the (c, i, j) order neighbours overlap by 7 of 8 lanes, and each load
    waits for the store before it."""
    return np.arange(channels * kh * kw).reshape(channels, kh, kw).transpose(1, 2, 0).reshape(-1)


def scatter_targets(channels, hb, wb, kh, kw, dh, dw):
    """targets[t]: where tap scatter_tap_order[t] adds its row, relative to its output run's place
    in the padded planes; padded to whole blocks of 6 with the first tap (its weights there are
    zero)."""
    taps = tap_offsets(channels, hb, wb, kh, kw, dh, dw)[scatter_tap_order(channels, kh, kw)]
    blocks = -(-taps.size // ROWS)
    return np.concatenate([taps, np.full(blocks * ROWS - taps.size, taps[0], np.int64)])


@numba.njit(cache=True, parallel=True)
def widen_rows(widened, diff, oh2, ow8):
    """widened: flat (N, M, oh2, ow8) = diff (N, M, OH, OW), zero past its rows and columns."""
    n, m, oh, ow = diff.shape
    for b in prange(n):
        for ch in range(m):
            base = (b * m + ch) * oh2 * ow8
            for y in range(oh):
                row = base + y * ow8
                widened[row : row + ow] = diff[b, ch, y]
                widened[row + ow : row + ow8] = 0
            widened[base + oh * ow8 : base + oh2 * ow8] = 0


@numba.njit(cache=True, parallel=True, error_model="numpy")
def input_gradient_scatter(
    image_diff, sums, widened, packed, channel_offsets, targets, oh2, ow8, hb, wb, ph, pw, sh
):
    """image_diff (N, C, H, W) = the input gradient of a convolution with unit column stride.
    widened: the top gradient (widen_rows, M channels); packed: each group's weights transposed,
    taps in scatter_tap_order, (group, ceil(K / 6), Mg, 6) (pack_weights of W^T);
    channel_offsets[m] = m * oh2 * ow8;
    targets: scatter_targets; sums: scratch of N * C * hb * wb floats, the padded planes."""
    n, c, h, w = image_diff.shape
    group, blocks, per_group, _ = packed.shape
    m = per_group * group
    cg = c // group
    runs_per_row = ow8 // 8
    runs = oh2 * runs_per_row
    plane, diff_plane = hb * wb, oh2 * ow8
    widened_at, sums_at = widened.ctypes.data, sums.ctypes.data  # float32: 4 bytes a step
    for b in prange(n):
        sums[b * c * plane : (b + 1) * c * plane] = 0
        for g in range(group):
            source_base = (b * m + g * per_group) * diff_plane
            target_base = (b * c + g * cg) * plane
            for blk in range(blocks):  # a block's weights stay in L1 while the image's runs pass
                weights, rows = packed[g, blk].ctypes.data, targets[blk * ROWS :].ctypes.data
                for pair in range(0, runs, 2):
                    y0, x0 = pair // runs_per_row, (pair % runs_per_row) * 8
                    y1, x1 = (pair + 1) // runs_per_row, ((pair + 1) % runs_per_row) * 8
                    source = source_base + y0 * ow8 + x0
                    target = target_base + y0 * sh * wb + x0
                    second = (y1 - y0) * ow8 + (x1 - x0)
                    target_second = (y1 - y0) * sh * wb + (x1 - x0)
                    block_scatter_add(
                        weights, widened_at + 4 * source, channel_offsets.ctypes.data, second,
                        sums_at + 4 * target, rows, target_second, per_group,
                    )  # fmt: skip
        for ch in range(c):
            base = (b * c + ch) * plane
            for y in range(h):
                row = base + (y + ph) * wb + pw
                image_diff[b, ch, y] = sums[row : row + w]
