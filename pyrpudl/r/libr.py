"""Calls into libR that keep Python's GIL held (ctypes.PyDLL), for the embedded R.

rpy2 calls R through cffi, which releases the GIL for each call. R code that calls back into
Python through reticulate (which we rely on) then runs Python without the GIL, and the first
Python object that R's garbage collector frees aborts the process. Everything we run in R goes
through here instead; R's console output still reaches Python through rpy2's callbacks.
"""

import ctypes
import os

_lib: ctypes.PyDLL | None = None
_ended = False  # R can be ended once


def load() -> None:
    """Open the libR that rpy2 already loaded (same handle, same globals)."""
    global _lib
    if _lib is not None:
        return
    from rpy2.rinterface_lib import openrlib

    path = os.path.join(openrlib.R_HOME, "lib", "libR.so")
    lib = ctypes.PyDLL(path, mode=ctypes.RTLD_GLOBAL)
    pointer = ctypes.c_void_p
    for name, restype, argtypes in (
        ("Rf_mkString", pointer, [ctypes.c_char_p]),
        ("R_ParseVector", pointer, [pointer, ctypes.c_int, ctypes.POINTER(ctypes.c_int), pointer]),
        ("Rf_protect", pointer, [pointer]),
        ("Rf_unprotect", None, [ctypes.c_int]),
        ("Rf_xlength", ctypes.c_ssize_t, [pointer]),
        ("VECTOR_ELT", pointer, [pointer, ctypes.c_ssize_t]),
        ("R_tryEval", pointer, [pointer, pointer, ctypes.POINTER(ctypes.c_int)]),
        ("R_dot_Last", None, []),
        ("R_RunExitFinalizers", None, []),
        ("Rf_KillAllDevices", None, []),
        ("R_CleanTempDir", None, []),
        ("R_gc", None, []),
        ("Rf_endEmbeddedR", None, [ctypes.c_int]),
    ):
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    _lib = lib


def _global(name: str) -> ctypes.c_void_p:
    return ctypes.c_void_p.in_dll(_lib, name)


def set_c_stack_limit(limit: int) -> None:
    ctypes.c_size_t.in_dll(_lib, "R_CStackLimit").value = limit


def eval_string(code: str) -> None:
    """Parse and evaluate R ``code`` in the global environment (R prints its own errors)."""
    status, error, protected = ctypes.c_int(0), ctypes.c_int(0), 0
    try:
        text = _lib.Rf_protect(_lib.Rf_mkString(code.encode("utf-8")))
        protected += 1
        expressions = _lib.Rf_protect(
            _lib.R_ParseVector(text, -1, ctypes.byref(status), _global("R_NilValue"))
        )
        protected += 1
        if status.value != 1:  # PARSE_OK
            raise SyntaxError(f"R could not parse: {code[:200]}")
        for index in range(_lib.Rf_xlength(expressions)):
            expression = _lib.VECTOR_ELT(expressions, index)
            _lib.R_tryEval(expression, _global("R_GlobalEnv"), ctypes.byref(error))
            if error.value:
                raise RuntimeError("R signalled an error (printed above)")
    finally:
        _lib.Rf_unprotect(protected)


def end_r() -> None:
    """End R at exit as rpy2 would, but with the GIL held (R's finalizers may free Python objects)."""
    global _ended
    if _lib is None or _ended:
        return
    _ended = True
    _lib.R_dot_Last()
    _lib.R_RunExitFinalizers()
    _lib.Rf_KillAllDevices()
    _lib.R_CleanTempDir()
    _lib.R_gc()
    _lib.Rf_endEmbeddedR(0)
