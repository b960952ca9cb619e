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


class ProgressBar:
    """A one-line bar on a terminal: ``[=====>     ] 1200/4000  315.2 it/s  cost 0.5312``, redrawn in
    place at most every ``every`` seconds; ``line`` prints a log line above it. Only for an
    interactive terminal (:func:`wanted`): knitr, Rscript, pipes and CI get plain lines."""

    def __init__(self, total: int, unit: str = "it", label: str = "cost", stream=None, every: float = 0.1):
        import sys
        import time

        self.total, self.unit, self.label, self.every = max(int(total), 1), unit, label, every
        self.stream = stream or sys.stderr
        self._clock = time.monotonic
        self.started = self._last = self._clock()
        self.shown = ""

    def update(self, done: int, value: float | None = None, force: bool = False) -> None:
        now = self._clock()
        if not force and now - self._last < self.every:
            return
        self._last = now
        rate = done / max(now - self.started, 1e-9)
        filled = int(30 * min(done, self.total) / self.total)
        bar = "=" * filled + (">" if filled < 30 else "") + " " * max(29 - filled, 0)
        text = f"[{bar}] {done}/{self.total}  {rate:.1f} {self.unit}/s"
        if value is not None:
            text += f"  {self.label} {value:.4g}"
        self.clear()
        self.stream.write("\r" + text)
        self.stream.flush()
        self.shown = text

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * len(self.shown) + "\r")
            self.stream.flush()
            self.shown = ""

    def line(self, text: str, report: Report) -> None:
        """``report(text)`` with the bar cleared before and drawn again after."""
        shown = self.shown
        self.clear()
        report(text)
        if shown:
            self.stream.write("\r" + shown)
            self.stream.flush()
            self.shown = shown


def wanted(report: Report | bool | None) -> bool:
    """Whether a progress bar belongs here: Python's own printing (no reporter given) to an
    interactive terminal, outside CI and knitr. (The R package draws its own bar in R's console.)"""
    import os
    import sys

    if report is not None or os.environ.get("CI"):
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())
