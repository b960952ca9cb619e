"""The embedded R session and what runs in it.

rpy2 starts R in this process. Every later call into R goes through :mod:`pyrpudl.r.libr`, which
holds Python's GIL for the whole call: rpy2's own calls release it, and reticulate, attached to
this interpreter, would then touch Python objects without it (a fatal error the first time R's
garbage collector frees one, or at exit). Values come back to Python through reticulate, which
converts them as it does for any R user (vectors, matrices as NumPy arrays, data frames).
"""

import atexit
import os
import resource
import sys
import threading
from pathlib import Path

from pyrpudl.errors import PyrpudlError
from pyrpudl.r import libr, reticulate_poller


class RError(PyrpudlError):
    """R signalled an error while running code for Python; the message is R's."""

    r_class = "rpud_r_error"


_started_in: int | None = None  # id of the thread that started R: the only one that may use it
_reticulate_library: str | None = None  # path of the reticulate.so that R loaded
_delivered: list = []  # results handed over by R (see _RUNNER)

# Defined in R once: evaluates code, catches R errors, hands the outcome to Python via reticulate.
_RUNNER = """
.pyrpudl_host <- local({
  host <- reticulate::import("pyrpudl.r.host", convert = FALSE)
  function(code) {
    result <- tryCatch({
      value <- NULL
      for (expression in parse(text = code, keep.source = FALSE))
        value <- eval(expression, globalenv())
      list(ok = TRUE, value = value)
    }, error = function(e) list(ok = FALSE, message = conditionMessage(e), classes = class(e)))
    host$`_deliver`(result)
    invisible(NULL)
  }
})
"""


def _deliver(result: dict) -> None:
    """Called from R (through reticulate) with the outcome of one :func:`run`."""
    _delivered.append(result)


def _restore_c_stack_limit() -> None:
    """Give R back its C stack check, which rpy2 turns off (R_CStackLimit = -1).

    Without it, deep recursion in R crashes the whole process instead of raising an R error.
    R sets the limit to 95% of the soft stack limit (Cstack_info()'s "size"); so do we. The
    check is valid for the thread that started R, which is why only that thread may use it.
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    if soft != resource.RLIM_INFINITY:  # with no limit R itself runs without a check
        libr.set_c_stack_limit(int(0.95 * soft))


def start() -> None:
    """Start the embedded R (once) and load rpud in it, bound to this Python process."""
    global _started_in
    if _started_in is not None:
        _check_thread()
        return
    try:
        import rpy2.rinterface as rinterface
        from rpy2.rinterface_lib import callbacks
    except ImportError as exc:
        raise PyrpudlError(
            f"running R from Python needs rpy2 ({exc}); install it with pip install 'pyrpudl[r]'"
        ) from exc
    # R's messages and warnings go to stderr, as in a terminal, not through Python's logging.
    callbacks.consolewrite_warnerror = lambda text: print(text, end="", file=sys.stderr, flush=True)
    rinterface.initr()
    libr.load()
    _restore_c_stack_limit()
    # rpy2's exit handler ends R with the GIL released; ours ends it with the GIL held.
    atexit.unregister(rinterface.endr)
    atexit.register(_end)
    _started_in = threading.get_ident()
    # rpud reads this option when it loads and lets reticulate attach to this interpreter; an R
    # option (not an environment variable) so that R processes we spawn keep their own choice.
    libr.eval_string(
        f"options(rpud.python.host = {_r_string(sys.executable)}); "
        "suppressPackageStartupMessages(library(rpud))"
    )
    libr.eval_string(_RUNNER)
    global _reticulate_library
    _reticulate_library = str(run('getLoadedDLLs()[["reticulate"]][["path"]]'))


def _end() -> None:
    """At exit: silence reticulate's event poller (see :mod:`.reticulate_poller`), then end R."""
    if _reticulate_library is not None:
        reticulate_poller.disarm(_reticulate_library)
    libr.end_r()


def _check_thread() -> None:
    if threading.get_ident() != _started_in:
        raise PyrpudlError(
            "R was started in another thread; R is single-threaded, so call pyrpudl.r "
            "functions from the thread that first used them"
        )


def run(code: str):
    """Evaluate R ``code`` in R's global environment; return the value of its last expression.

    The value arrives converted by reticulate: ``NULL`` as ``None``, a length-one vector as a
    Python scalar, longer vectors as lists, matrices and arrays as NumPy arrays, data frames as
    pandas data frames.

    Parameters
    ----------
    code
        R code (one or more expressions).

    Returns
    -------
    object
        The value of the last expression.

    Raises
    ------
    RError
        With R's error message, when R signals an error.
    """
    if _started_in is None:
        start()
    _check_thread()
    _delivered.clear()
    libr.eval_string(f".pyrpudl_host({_r_string(code)})")
    if not _delivered:
        raise RError("R stopped before returning a result (see the output above)")
    result = _delivered.pop()
    if not result["ok"]:
        raise RError(str(result["message"]))
    return result["value"]


def _r_string(value: str | os.PathLike) -> str:
    """``value`` as an R string literal."""
    text = os.fspath(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r").replace("\t", "\\t") + '"'


def source(path: str | os.PathLike) -> None:
    """Run the R script at ``path`` in the embedded R, its output going to this process's stdout.

    Parameters
    ----------
    path
        The R script.
    """
    script = Path(path)
    if not script.is_file():
        raise PyrpudlError(f"no R script at {script}")
    run(f"invisible(source({_r_string(script.resolve())}, echo = FALSE))")


def render(
    path: str | os.PathLike,
    output_dir: str | os.PathLike | None = None,
    output_format: str | None = None,
) -> Path:
    """Render an R Markdown file with rmarkdown (in the embedded R).

    Parameters
    ----------
    path
        The ``.Rmd`` file.
    output_dir
        Where the output goes (default: beside the document).
    output_format
        An rmarkdown format such as "md_document" (default: the document's own).

    Returns
    -------
    pathlib.Path
        The output file.
    """
    document = Path(path)
    if not document.is_file():
        raise PyrpudlError(f"no R Markdown file at {document}")
    arguments = [_r_string(document.resolve()), "quiet = TRUE"]
    if output_dir is not None:
        arguments.append(f"output_dir = {_r_string(Path(output_dir).resolve())}")
    if output_format is not None:
        arguments.append(f"output_format = {_r_string(output_format)}")
    # a fresh environment per document, as knitting in a clean session would give
    arguments.append("envir = new.env(parent = globalenv())")
    return Path(str(run(f"rmarkdown::render({', '.join(arguments)})")))
