"""Ctrl-C with the engine inside R, without R code running under Python's frames.

reticulate 1.28 lets R and Python race for a Ctrl-C: its C handler marks the interrupt pending for
both, and Python's handler (rpytools/signals.py) asks R, through an R closure, whether R has taken
it yet. Two places thus evaluate R code while Python's frames are on the C stack: that closure, and
every R callback we are given (progress lines, darch's R unit and error functions). When R notices
the pending interrupt there, it unwinds straight to the R caller's ``tryCatch`` past Python's
frames, and the next call into Python crashes (a segfault in ``py_get_attr``, seen in the tmux
tests after "training interrupted").

The fix keeps R from acting on an interrupt while Python is running: the handler's question is
answered by reading R's interrupt flags directly (no R evaluation), and R callbacks run with R's
interrupts suspended; an interrupt that arrived meanwhile is handed to Python as KeyboardInterrupt
when the callback returns, where the engine's usual interrupt handling keeps the last good model.
Outside R (plain Python, rpy2 without reticulate) nothing here is active. Not covered: an R callback
that calls Sys.sleep(), whose wait takes SIGINT with R's own handler.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Callable


class RInterruptFlags:
    """R's globals ``R_interrupts_pending`` and ``R_interrupts_suspended`` (Rinterface.h), as
    ctypes integers."""

    def __init__(self, pending: ctypes.c_int, suspended: ctypes.c_int):
        self.pending, self.suspended = pending, suspended

    @classmethod
    def from_library(cls, library: ctypes.CDLL) -> RInterruptFlags:
        return cls(
            ctypes.c_int.in_dll(library, "R_interrupts_pending"),
            ctypes.c_int.in_dll(library, "R_interrupts_suspended"),
        )

    def interrupts_pending(self, reset: bool) -> bool:
        """What reticulate's ``py_interrupts_pending`` answers, read from memory instead of from R."""
        if self.suspended.value:
            return False
        if reset:
            self.pending.value = 0
            return False
        return self.pending.value != 0


def find_r_flags() -> RInterruptFlags | None:
    """R's flags when this process runs R, else None. R's executable links libR globally; rpy2
    loads it privately, so its path under R_HOME is tried too."""
    candidates = [None]
    if os.environ.get("R_HOME"):
        candidates.append(os.path.join(os.environ["R_HOME"], "lib", "libR.so"))
    for name in candidates:
        try:
            return RInterruptFlags.from_library(ctypes.CDLL(name))
        except (OSError, ValueError):
            continue
    return None


_flags: RInterruptFlags | None = None


def install() -> RInterruptFlags | None:
    """Answer reticulate's "has R taken the interrupt?" without evaluating R; idempotent. Returns
    the flags in use, or None when Python is not inside reticulate (or R's flags cannot be found)."""
    global _flags
    signals = sys.modules.get("rpytools.signals")
    if signals is None or not callable(getattr(signals, "_callback", None)):
        return None
    if _flags is None:
        _flags = find_r_flags()
    if _flags is not None:
        signals._callback = _flags.interrupts_pending
    return _flags


def is_r_function(value: object) -> bool:
    """A reticulate wrapper of an R closure (rpytools.call.make_python_function)."""
    return callable(value) and getattr(value, "__module__", None) == "rpytools.call"


def guard(r_function: Callable, flags: RInterruptFlags) -> Callable:
    """``r_function`` run with R's interrupts suspended; a Ctrl-C meanwhile raises KeyboardInterrupt
    in Python once R has returned."""

    @functools.wraps(r_function)
    def call(*args, **kwargs):
        saved = flags.suspended.value
        flags.suspended.value = 1
        try:
            return r_function(*args, **kwargs)
        finally:
            flags.suspended.value = saved
            if not saved and flags.pending.value:
                flags.pending.value = 0
                raise KeyboardInterrupt  # the interrupt outranks the callback's result or error

    call.__module__ = __name__  # guarded once, not again when it comes back
    return call


def guard_callbacks(value: object, flags: RInterruptFlags | None = None) -> object:
    """``value`` (R's arguments: dicts and lists, nested) with every R function guarded."""
    flags = flags if flags is not None else _flags
    if flags is None:
        return value
    if is_r_function(value):
        return guard(value, flags)
    if isinstance(value, dict):
        return {key: guard_callbacks(item, flags) for key, item in value.items()}
    if isinstance(value, list):
        return [guard_callbacks(item, flags) for item in value]
    if isinstance(value, tuple):
        return tuple(guard_callbacks(item, flags) for item in value)
    return value
