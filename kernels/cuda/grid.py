"""The launch geometry every grid-stride kernel uses (kernels/OPS.md): 256 threads per block and at
most 4096 blocks, so a simulator run on tiny shapes stays tiny."""

THREADS = 256
MAX_BLOCKS = 4096


def blocks(n: int) -> int:
    """Blocks for ``n`` elements, one per thread, at least one and at most ``MAX_BLOCKS``."""
    return max(1, min((n + THREADS - 1) // THREADS, MAX_BLOCKS))
