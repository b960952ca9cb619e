"""CUDA twin of ``kernels/cpu/gemm.py``: a tiled SGEMM, with a deterministic split-K for long, thin products.

``gemm(c, a, b, trans_a, trans_b, alpha, beta)``: c (M, N) = alpha · op(a) @ op(b) + beta · c, float32,
C-contiguous 2-D device arrays; with beta == 0, c is not read.

Design. One block computes a BM × BN tile of c, stepping over K in slabs of BK = 16: it copies an op(a)
slab (BK × BM) and an op(b) slab (BK × BN) into shared memory (both stored k-major), and each thread
accumulates a TM × TN register tile, its rows ``ty + i·TY`` and columns ``tx + j·TX`` (strided: a warp's
shared-memory reads are broadcasts or consecutive words, and its stores to c are coalesced). The next
slab is fetched from global memory into registers while the current one is multiplied. Global loads
follow each operand's layout (consecutive threads run along its contiguous axis); when that axis is k,
the shared tile rows are padded by 2 words so that the transposing stores are free of bank conflicts.

Numba does not unroll the k loop of a slab, and its signed indices carry wraparound code, so the kernel
source is generated: the slab product is written out UNROLL = 4 values of k at a time, over scalar
accumulators, with shared memory indexed by unsigned integers (so its offsets are immediates), and the
stores of the register tile are written out too. One kernel is compiled per (tile, trans_a, trans_b,
split), on first use: 4-13 s each on the development machine, almost all of it Numba's own passes.
So each kernel's source is written to a file (kernels/cuda/source_files.py) and Numba's disk cache
keeps the compiled code for later runs. Launch bounds cap the registers at 128 per thread.

Tiles (BM, BN, TM, TN, threads): (32, 128, 4, 8, 128) when M <= 32 (convolution weights of 32 filters);
(128, 128, 8, 8, 256) when M, N >= 256 and the product has at least 2 such tiles per SM; (64, 64, 8, 4,
128) otherwise.

Split-K: when the tiles give fewer than 512 threads per SM and K >= 128, K is cut into S slices (each a
multiple of BK and at least 64 long) so that S × tiles reaches about that; block z writes its unscaled
partial tile into rows z·M .. z·M + M − 1 of a scratch buffer (S·M, N), and a second kernel sums the S
partials of each element in a fixed order (deterministic, no atomics), then applies alpha and beta. The
scratch buffer is module-level, allocated on the first call that needs it (outside a graph capture, as
the first eager step is) and replaced by a larger one when too small: the one allocation this module
makes. A replaced buffer lives on in the cached plans that use it (a recorded CUDA graph may still use
it). All calls share one buffer, which is safe because they run in order on one stream.

Launch plans (configured kernels, slice length) are cached per (M, N, K, trans_a, trans_b).
"""

import math
import os

import numpy as np
from numba import config, cuda, float32

from .source_files import module_from_source

SIMULATED = bool(config.ENABLE_CUDASIM)
BK = 16
UNROLL = 4  # values of k per pass of the written-out slab product
PAD = 2  # words added to a shared row when the slab is stored transposed (k-contiguous operand)
# "vector": the strided layout's 12 shared-memory loads per 32 multiply-adds (a 4 x 8 register tile)
# are more than an SM's shared-memory port serves per FMA cycle. Here each thread's rows and columns
# lie in runs of 4, which NVVM loads 16 bytes at a time: 3 loads instead of 12 (PTX for sm_90: 48
# scalar loads -> 12 four-wide a slab pass, no spills, 2026-12-01). Rows padded by 4 keep runs aligned.
# Not for the 128 x 128 tile, whose 8 x 8 register tile is balanced already and which the wider
# loads make spill. An experiment to time on a GPU (PYRPUDL_GEMM_LAYOUT=vector), off by default.
VECTOR = os.environ.get("PYRPUDL_GEMM_LAYOUT", "strided") == "vector"
VECTOR_PAD = 4
TILE_32x128 = (32, 128, 4, 8)  # (BM, BN, TM, TN); threads = (BM / TM) · (BN / TN)
TILE_64x64 = (64, 64, 8, 4)
TILE_128x128 = (128, 128, 8, 8)
MIN_BLOCKS = {TILE_32x128: 4, TILE_64x64: 4, TILE_128x128: 2}  # launch bounds: caps registers at 128
THREADS_PER_SM = 512  # split-K target: enough blocks for about this many threads per SM
MIN_SLICE = 64  # shortest K slice of a split
REDUCE_THREADS = 256
REDUCE_MAX_BLOCKS = 4096

_kernels = {}
_plans = {}
_scratch = None
_sm_count = None


def _threads(tile) -> int:
    bm, bn, tm, tn = tile
    return (bm // tm) * (bn // tn)


def _run(tile) -> int:
    """A thread's consecutive rows (and columns) in its register tile: 4 in the vector layout."""
    return 4 if VECTOR and tile != TILE_128x128 else 1


def _layout(tile, trans_a, trans_b):
    """Constants of one kernel: thread counts, slab copy pattern, shared strides."""
    bm, bn, tm, tn = tile
    threads = _threads(tile)
    pad = VECTOR_PAD if _run(tile) > 1 else PAD
    # each thread copies whole strides of the slabs
    assert threads % BK == 0 and (bm * BK) % threads == 0 and (bn * BK) % threads == 0
    assert (threads % bm == 0 or not trans_a) and (threads % bn == 0 or trans_b)
    return {
        "BM": bm,
        "BN": bn,
        "TX": bn // tn,  # threads along n
        "TY": bm // tm,  # threads along m
        "A_LOADS": bm * BK // threads,
        "B_LOADS": bn * BK // threads,
        # a (M, K) and b (N, K) are k-contiguous: their slabs are stored transposed, rows padded
        "SA_STRIDE": bm + (0 if trans_a else pad),
        "SB_STRIDE": bn + (pad if trans_b else 0),
    }


def _source(tile, trans_a, trans_b, split, conv=False) -> str:
    """Python source of the kernel for one tile, transpose pair and split mode; with ``conv``, b is
    a convolution's column matrix read through its tables (see conv_gemm).

    Names ``U<n>`` stand for the unsigned constants ``np.uint64(n)`` (shared-memory offsets).
    """
    bm, bn, tm, tn = tile
    threads = _threads(tile)
    lay = _layout(tile, trans_a, trans_b)
    tx_count, ty_count, sa_stride, sb_stride = lay["TX"], lay["TY"], lay["SA_STRIDE"], lay["SB_STRIDE"]
    lines = []
    add = lines.append

    # the (k, row) of a's slab that this thread copies first, and (k, column) of b's; its e-th element
    # lies e · step further on
    if trans_a:  # a (K, M): consecutive threads along m
        a_first, a_step = ("tid // BM", "tid % BM"), (threads // bm, 0)
    else:  # a (M, K): consecutive threads along k
        a_first, a_step = ("tid % BK", "tid // BK"), (0, threads // BK)
    if trans_b:  # b (N, K): consecutive threads along k
        b_first, b_step = ("tid % BK", "tid // BK"), (0, threads // BK)
    else:  # b (K, N): consecutive threads along n
        b_first, b_step = ("tid // BN", "tid % BN"), (threads // bn, 0)

    add("def load_a(a, m, k, m_end, k_end):")
    add("    if m < m_end and k < k_end:")
    add(f"        return {'a[k, m]' if trans_a else 'a[m, k]'}")
    add("    return float32(0.0)")
    add("")
    if conv:  # col[r, p] through the tables, column p's entries (off, y0, x0) read by the caller
        add("def load_b(image, rows, r, off, y0, x0, height, width, n, k, n_end, k_end):")
        add("    if n < n_end and k < k_end:")
        add("        y = rows[r, 1] + y0")
        add("        x = rows[r, 2] + x0")
        add("        if y >= 0 and y < height and x >= 0 and x < width:")
        add("            return image[np.uint32(rows[r, 0] + off)]  # inside: not negative")
        add("    return float32(0.0)")
        add("")
        add("def kernel(c, a, image, rows, columns, height, width, alpha, beta, part, slice_k):")
    else:
        add("def load_b(b, n, k, n_end, k_end):")
        add("    if n < n_end and k < k_end:")
        add(f"        return {'b[n, k]' if trans_b else 'b[k, n]'}")
        add("    return float32(0.0)")
        add("")
        add("def kernel(c, a, b, alpha, beta, part, slice_k):")
    run = _run(tile)
    aligned = ", alignment=16" if run > 1 and not SIMULATED else ""  # the simulator refuses (and needs) none
    add(f"    sa = cuda.shared.array(SA_SIZE, float32{aligned})")
    add(f"    sb = cuda.shared.array(SB_SIZE, float32{aligned})")
    add("    m_count, n_count = c.shape")
    add(f"    k_count = a.shape[{0 if trans_a else 1}]")
    add("    tid = cuda.threadIdx.x")
    add("    tx = tid % TX")
    add("    ty = tid // TX")
    add("    n0 = cuda.blockIdx.x * BN")
    add("    m0 = cuda.blockIdx.y * BM")
    add("    z = cuda.blockIdx.z")
    add("    k_begin = z * slice_k")
    add("    k_end = min(k_count, k_begin + slice_k)")
    add(f"    ak = {a_first[0]}")
    add(f"    am = m0 + {a_first[1]}")
    add(f"    bk = {b_first[0]}")
    add(f"    bn = n0 + {b_first[1]}")
    add(f"    a_store = np.uint64({a_first[0]} * SA_STRIDE + {a_first[1]})")
    add(f"    b_store = np.uint64({b_first[0]} * SB_STRIDE + {b_first[1]})")
    add(f"    a_read = np.uint64(ty * {run})")
    add(f"    b_read = np.uint64(tx * {run})")

    def row(i):  # offset of the thread's i-th row from its first (columns alike, with TX)
        return (i % run) + (i // run) * ty_count * run

    def column(j):
        return (j % run) + (j // run) * tx_count * run

    for i in range(tm):
        add("    " + " = ".join(f"c{i}_{j}" for j in range(tn)) + " = float32(0.0)")

    def column_entries(pad, p, end):
        """Column p's table entries, once for all of a thread's loads that share it."""
        add(f"{pad}if {p} < {end}:")
        add(f"{pad}    g_off = columns[{p}, 0]")
        add(f"{pad}    g_y = columns[{p}, 1]")
        add(f"{pad}    g_x = columns[{p}, 2]")
        add(f"{pad}else:")
        add(f"{pad}    g_off = g_y = g_x = np.int32(0)")

    # a thread's b loads share their n (op(b) = b) or, with trans_b, their k within a slab (see b_step):
    # for conv_gemm, that is one column of col for all the thread's loads (forward: for the whole
    # product), so its table entries are read once, not with each load
    assert (b_step[1] == 0) if not trans_b else (b_step[0] == 0)
    if conv and not trans_b:
        column_entries("    ", "bn", "n_count")

    def fetch(indent, k0):
        pad = " " * indent
        for e in range(lay["A_LOADS"]):
            add(f"{pad}pa{e} = load_a(a, am + {e * a_step[1]}, {k0} + ak + {e * a_step[0]}, m_count, k_end)")
        if conv and trans_b:
            add(f"{pad}gk = {k0} + bk")
            column_entries(pad, "gk", "k_end")
        for e in range(lay["B_LOADS"]):
            n, k = f"bn + {e * b_step[1]}", f"{k0} + bk + {e * b_step[0]}"
            if conv:  # col's row r: n for op(b) = col.T, else k
                r = n if trans_b else k
                column = "g_off, g_y, g_x, height, width"
                add(f"{pad}pb{e} = load_b(image, rows, {r}, {column}, {n}, {k}, n_count, k_end)")
            else:
                add(f"{pad}pb{e} = load_b(b, {n}, {k}, n_count, k_end)")

    constants = set()

    def unsigned(value):
        constants.add(value)
        return f"U{value}"

    fetch(4, "k_begin")
    add("    for k0 in range(k_begin, k_end, BK):")
    for e in range(lay["A_LOADS"]):
        add(f"        sa[a_store + {unsigned(e * (a_step[0] * sa_stride + a_step[1]))}] = pa{e}")
    for e in range(lay["B_LOADS"]):
        add(f"        sb[b_store + {unsigned(e * (b_step[0] * sb_stride + b_step[1]))}] = pb{e}")
    add("        cuda.syncthreads()")
    add("        k_next = k0 + BK")
    add("        if k_next < k_end:  # fetch the next slab while this one is multiplied")
    fetch(12, "k_next")
    # the slab product, UNROLL values of k per pass, written out (so shared offsets are constants)
    add("        for kq in range(BK // UNROLL):")
    add("            ra = a_read + np.uint64(kq * (UNROLL * SA_STRIDE))")
    add("            rb = b_read + np.uint64(kq * (UNROLL * SB_STRIDE))")
    for kk in range(UNROLL):
        for i in range(tm):
            add(f"            x{i} = sa[ra + {unsigned(kk * sa_stride + row(i))}]")
        for j in range(tn):
            add(f"            y{j} = sb[rb + {unsigned(kk * sb_stride + column(j))}]")
        for i in range(tm):
            for j in range(tn):
                add(f"            c{i}_{j} += x{i} * y{j}")
    add("        cuda.syncthreads()")

    # store the register tile: rows m0 + ty + i·TY, columns n0 + tx + j·TX
    def store(indent, value):
        pad = " " * indent
        for i in range(tm):
            add(f"{pad}m = m0 + ty * {run} + {row(i)}")
            add(f"{pad}if m < m_count:")
            for j in range(tn):
                add(f"{pad}    n = n0 + tx * {run} + {column(j)}")
                add(f"{pad}    if n < n_count:")
                add(f"{pad}        {value.format(acc=f'c{i}_{j}')}")

    if split:
        add("    row0 = z * m_count")
        store(4, "part[row0 + m, n] = {acc}")
    else:
        add("    if beta != float32(0.0):")
        store(8, "c[m, n] = alpha * {acc} + beta * c[m, n]")
        add("    else:")
        store(8, "c[m, n] = alpha * {acc}")
    source = "\n".join(lines) + "\n"
    return source, {f"U{value}": np.uint64(value) for value in constants}


def _module_source(tile, trans_a, trans_b, split, conv=False) -> str:
    """The whole module of one kernel: its constants, the two guarded loads and the kernel (left
    undecorated: its launch options are set where it is compiled)."""
    lay = _layout(tile, trans_a, trans_b)
    body, constants = _source(tile, trans_a, trans_b, split, conv)
    values = {"BK": BK, "UNROLL": UNROLL, **lay}
    values["SA_SIZE"] = BK * lay["SA_STRIDE"]
    values["SB_SIZE"] = BK * lay["SB_STRIDE"]
    header = [
        f'"""GEMM kernel for tile {tile}, trans_a={trans_a}, trans_b={trans_b}, split={split}, conv={conv}.',
        "",
        'Generated by kernels/cuda/gemm.py; kept in a file so that Numba caches its compiled code."""',
        "",
        "import numpy as np",
        "from numba import cuda, float32",
        "",
        *(f"{name} = {value}" for name, value in values.items()),
        *(
            f"{name} = np.uint64({int(value)})"
            for name, value in sorted(constants.items(), key=lambda c: int(c[1]))
        ),
        "",
    ]
    body = body.replace("def load_a(", "@cuda.jit(device=True)\ndef load_a(")
    body = body.replace("def load_b(", "@cuda.jit(device=True)\ndef load_b(")
    return "\n".join(header) + "\n" + body


def _make_kernel(tile, trans_a, trans_b, split, conv=False):
    source = _module_source(tile, trans_a, trans_b, split, conv)
    transposes = ("t" if trans_a else "n") + ("t" if trans_b else "n")
    stem = f"gemm_{tile[0]}x{tile[1]}_{transposes}" + ("_split" if split else "") + ("_conv" if conv else "")
    module = module_from_source(stem, source)
    options = {} if SIMULATED else {"launch_bounds": (_threads(tile), MIN_BLOCKS.get(tile, 1)), "cache": True}
    return cuda.jit(**options)(module.kernel)


@cuda.jit(cache=True)
def _reduce_slices(c, part, alpha, beta, slices):
    # c[m, n] = alpha · (sum of part[z·M + m, n] over z, in a fixed order) + beta · c[m, n]
    m_count, n_count = c.shape
    for e in range(cuda.grid(1), m_count * n_count, cuda.gridsize(1)):
        m = e // n_count
        n = e % n_count
        s0 = float32(0.0)
        s1 = float32(0.0)
        s2 = float32(0.0)
        s3 = float32(0.0)
        z = 0
        while z + 4 <= slices:  # four loads in flight
            s0 += part[z * m_count + m, n]
            s1 += part[(z + 1) * m_count + m, n]
            s2 += part[(z + 2) * m_count + m, n]
            s3 += part[(z + 3) * m_count + m, n]
            z += 4
        while z < slices:
            s0 += part[z * m_count + m, n]
            z += 1
        total = (s0 + s1) + (s2 + s3)
        if beta != float32(0.0):
            c[m, n] = alpha * total + beta * c[m, n]
        else:
            c[m, n] = alpha * total


def _kernel(tile, trans_a, trans_b, split, conv=False):
    key = (tile, trans_a, trans_b, split, VECTOR, conv)
    kernel = _kernels.get(key)
    if kernel is None:
        kernel = _kernels[key] = _make_kernel(tile, trans_a, trans_b, split, conv)
    return kernel


def _multiprocessors() -> int:
    global _sm_count
    if _sm_count is None:
        # the simulator has no such attribute: 1, so its split-K cases stay a few blocks
        _sm_count = int(getattr(cuda.get_current_device(), "MULTIPROCESSOR_COUNT", 1))
    return _sm_count


def plan(m, n, k):
    """The tile and K slicing of an (M, N, K) product: ``(tile, slices, slice_k)``."""
    sms = _multiprocessors()
    if m <= 32:
        tile = TILE_32x128
    elif m >= 256 and n >= 256 and math.ceil(m / 128) * math.ceil(n / 128) >= 2 * sms:
        tile = TILE_128x128
    else:
        tile = TILE_64x64
    tiles = math.ceil(m / tile[0]) * math.ceil(n / tile[1])
    target = max(1, sms * THREADS_PER_SM // _threads(tile))
    slices = 1
    if tiles < target and k >= 2 * MIN_SLICE:
        slices = min(math.ceil(target / tiles), k // MIN_SLICE)
    if slices <= 1:
        return tile, 1, max(k, 1)
    slice_k = math.ceil(math.ceil(k / slices) / BK) * BK
    return tile, math.ceil(k / slice_k), slice_k


def _scratch_view(rows, cols):
    """A (rows, cols) view of the split-K scratch buffer, replaced by a larger one if too small.

    A replaced buffer stays alive as long as the cached plans holding views of it: a CUDA graph that
    recorded their launches still reads and writes it.
    """
    global _scratch
    need = rows * cols
    if _scratch is None or _scratch.size < need:
        _scratch = cuda.device_array(need, np.float32)
    return _scratch[:need].reshape(rows, cols)


def _configured(kernel, grid, threads):
    """``kernel[grid, threads]``, made once; the simulator's configures the kernel itself, so there each
    launch configures it anew."""
    if SIMULATED:
        return lambda *args: kernel[grid, threads](*args)
    return kernel[grid, threads]


def _build(m, n, k, trans_a, trans_b, conv=False):
    tile, slices, slice_k = plan(m, n, k)
    grid = (math.ceil(n / tile[1]), math.ceil(m / tile[0]), slices)
    main = _configured(_kernel(tile, bool(trans_a), bool(trans_b), slices > 1, conv), grid, _threads(tile))
    if slices == 1:
        return main, None, None, slice_k, slices
    part = _scratch_view(slices * m, n)
    blocks = max(1, min(math.ceil(m * n / REDUCE_THREADS), REDUCE_MAX_BLOCKS))
    return main, _configured(_reduce_slices, blocks, REDUCE_THREADS), part, slice_k, slices


def _launch(c, a, b_args, k, trans_a, trans_b, alpha, beta, conv=False):
    """c = alpha · op(a) @ op(b) + beta · c with b given by ``b_args`` (the matrix, or conv_gemm's
    image, tables and size), through the plan cached for these sizes."""
    m, n = c.shape
    key = (m, n, k, trans_a, trans_b, VECTOR, conv)  # VECTOR: the layout may be switched (benchmarks)
    entry = _plans.get(key)
    if entry is None:
        if m == 0 or n == 0:
            return
        entry = _plans[key] = _build(m, n, k, trans_a, trans_b, conv)
    main, reduce, part, slice_k, slices = entry
    alpha = np.float32(alpha)
    beta = np.float32(beta)
    main(c, a, *b_args, alpha, beta, c if reduce is None else part, slice_k)
    if reduce is not None:
        reduce(c, part, alpha, beta, slices)


def gemm(c, a, b, trans_a, trans_b, alpha, beta):
    """c = alpha · op(a) @ op(b) + beta · c on the device: 1 launch, or 2 with split-K (see above)."""
    _launch(c, a, (b,), a.shape[0] if trans_a else a.shape[1], trans_a, trans_b, alpha, beta)


def conv_gemm(c, a, image, rows, columns, height, width, trans_b, alpha, beta):
    """gemm(c, a, col, False, trans_b, alpha, beta) with col a convolution's column matrix read
    through its tables (kernels/cpu/gemm.py has the definition; pyrpudl/net/layers/implicit_columns.py
    the tables): the same tiles, split-K and launches as gemm, b's slab loads gathering from the
    image instead of reading a written matrix. image: the flat batch (N·C·H·W,) float32."""
    b_args = (image, rows, columns, np.int32(height), np.int32(width))
    _launch(c, a, b_args, a.shape[1], False, trans_b, alpha, beta, conv=True)
