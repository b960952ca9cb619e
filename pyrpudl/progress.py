"""Progress reporting through a callback.

Python's ``print`` does not reach knitr's output when Python runs inside R (reticulate 1.28), so
every long-running function takes a ``report`` callable. The R package passes a function that
calls ``message()``, which works in the console, in knitr and under rpy2; Python users get
``print`` by default.
"""

from collections.abc import Callable

Report = Callable[[str], object]


def print_report(line: str) -> None:
    print(line, flush=True)


def quiet_report(line: str) -> None:
    """Drops progress lines."""


def make_reporter(report: Report | bool | None = None) -> Report:
    """The callable that prints one line of progress: ``report`` itself, ``print`` for ``None``,
    nothing for ``False``."""
    if report is None:
        return print_report
    if report is False:
        return quiet_report
    return report
