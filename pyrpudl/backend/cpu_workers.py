"""The images of a batch, split across threads, each thread with single-threaded BLAS.

A convolution's forward pass at these sizes does best a few images at a time per core: their
columns (800 KB an image for cifar10_quick's conv2) stay in cache between im2col and the matrix
product, where the whole batch's (80 MB) cross the memory bus; and OpenBLAS does not split a
32-row product over two threads (73 GFLOP/s with one thread or two), while two threads on two
chunks get about that rate each. Handing work to a thread costs ~0.26 ms on the development
machine (submit to finish of an empty task), so callers give each thread one slice, not many.

``run(n, work)`` calls ``work(worker, first, last)`` on contiguous slices of ``range(n)``, one per
thread, the calling thread taking the first; NumPy's BLAS runs one thread per call meanwhile
(``single_threaded_blas``), so the threads do not fight over the cores with OpenBLAS's own (which
also spin for a while after each call). The kernels that workers call release the GIL (``nogil``) and never
open a Numba parallel region (the workqueue layer is not re-entrant). The slices depend only on
``n`` and the thread count, so results are reproducible for a given count.
"""

import concurrent.futures
import os
import threading

import numba

_lock = threading.Lock()
_pools: dict[int, concurrent.futures.ThreadPoolExecutor] = {}
_pools_pid = os.getpid()  # the process whose threads the pools hold
_blas = None
_blas_pid = 0


def thread_count() -> int:
    """The engine's CPU threads: Numba's (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``)."""
    return max(1, int(numba.get_num_threads()))


class _SingleThreadedBlas:
    """Re-entrant: the outermost context sets NumPy's BLAS to one thread and restores it on exit;
    inner ones cost nothing (threadpoolctl's own ``limit`` re-reads every library's state, ~18 us)."""

    def __init__(self):
        from threadpoolctl import ThreadpoolController

        self._libraries = ThreadpoolController().select(user_api="blas").lib_controllers
        self._depth = 0
        self._saved: list[int] = []
        self._lock = threading.Lock()

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                self._saved = [library.get_num_threads() for library in self._libraries]
                for library in self._libraries:
                    library.set_num_threads(1)
            self._depth += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                for library, threads in zip(self._libraries, self._saved, strict=True):
                    library.set_num_threads(threads)
        return False


def single_threaded_blas():
    """A context in which NumPy's BLAS uses one thread per call."""
    global _blas, _blas_pid
    if _blas is None or _blas_pid != os.getpid():  # a forked child starts with a fresh lock
        _blas, _blas_pid = _SingleThreadedBlas(), os.getpid()
    return _blas


def _pool(workers: int) -> concurrent.futures.ThreadPoolExecutor:
    global _lock, _pools_pid
    if os.getpid() != _pools_pid:
        # A forked child (R's parallel::mclapply forks with C's fork(), which runs none of
        # Python's at-fork hooks) has none of its parent's threads: an inherited pool would take
        # work and never run it. The child is single-threaded here, so it can start afresh.
        _lock, _pools_pid = threading.Lock(), os.getpid()
        _pools.clear()
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = concurrent.futures.ThreadPoolExecutor(
                workers, thread_name_prefix="pyrpudl-batch"
            )
        return pool


def slices(n: int, workers: int) -> list[tuple[int, int]]:
    """``range(n)`` cut into at most ``workers`` contiguous, non-empty, near-equal slices."""
    workers = max(1, min(workers, n))
    return [(w * n // workers, (w + 1) * n // workers) for w in range(workers)]


def run(n: int, work, workers: int | None = None) -> int:
    """``work(worker, first, last)`` over ``range(n)`` on up to ``workers`` threads; returns how
    many slices ran. A worker's exception is raised here once every slice has stopped; so is a
    Ctrl-C that reaches the calling thread (no thread writes into the arrays after this returns)."""
    parts = slices(n, thread_count() if workers is None else workers)
    with single_threaded_blas():
        if len(parts) == 1:
            work(0, *parts[0])
            return 1
        pool = _pool(len(parts) - 1)
        futures = [pool.submit(work, w, first, last) for w, (first, last) in enumerate(parts[1:], 1)]
        try:
            work(0, *parts[0])
        finally:
            concurrent.futures.wait(futures)
        for future in futures:
            future.result()
    return len(parts)
