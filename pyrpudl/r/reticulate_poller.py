"""Stop reticulate's event poller from calling into a Python that has finished.

reticulate (1.28, Debian bookworm's) starts a detached thread that every 250 ms asks Python to run
its event-polling callback, through ``Py_AddPendingCall``; the callback re-arms the request each
time it runs. Nothing stops the thread when Python exits: if it wakes after Python has finalized
(while the process runs C exit handlers, such as LLVM's destructors), ``Py_AddPendingCall``
dereferences the freed interpreter and the process dies with SIGSEGV after all its work is done:
about one run in fifty of a script that used R through :mod:`pyrpudl.r` (core dump:
``_PyEval_AddPendingCall (interp=0x0)`` from ``reticulate.so``). Later reticulate releases stop the
thread in ``py_finalize``; 1.28 does not.

The thread calls ``Py_AddPendingCall`` through a function pointer that reticulate.so exports
(``reticulate::libpython::Py_AddPendingCall``). At exit, before R ends, :func:`disarm` points it
at libc's ``sched_yield``, which ignores its arguments and returns 0 ("scheduled"), so the thread
goes on sleeping and never reaches Python again.
"""

import ctypes

# reticulate::libpython::Py_AddPendingCall, mangled (a C++ namespace-scope variable)
POINTER_SYMBOL = "_ZN10reticulate9libpython17Py_AddPendingCallE"


def _pointer(library_path: str) -> ctypes.c_void_p | None:
    """reticulate's ``Py_AddPendingCall`` pointer, or None for a reticulate without it."""
    try:
        library = ctypes.CDLL(library_path)  # already loaded by R: the same handle and globals
        return ctypes.c_void_p.in_dll(library, POINTER_SYMBOL)
    except (OSError, ValueError):
        return None


def no_op_address() -> int:
    return ctypes.cast(ctypes.CDLL(None).sched_yield, ctypes.c_void_p).value


def armed(library_path: str) -> bool:
    """Whether reticulate's poller can still reach Python (False once disarmed or absent)."""
    pointer = _pointer(library_path)
    return pointer is not None and pointer.value not in (None, no_op_address())


def disarm(library_path: str) -> bool:
    """Make reticulate's poller harmless; True when there was one to disarm."""
    pointer = _pointer(library_path)
    if pointer is None or not pointer.value:
        return False
    pointer.value = no_op_address()
    return True
