"""darch's log lines, as futile.logger writes them: ``INFO [2015-07-19 18:50:29] message``.

Levels are futile.logger's numbers (a line shows when its level is at most the threshold), so an R
user's ``logLevel = DEBUG`` means the same here. Numbers in messages are written as R's ``paste``
writes doubles: 15 significant digits.
"""

import math
import time
from dataclasses import dataclass, field

from pyrpudl.progress import ProgressBar, Report, make_reporter, print_report
from pyrpudl.progress import wanted as progress_wanted

LEVELS = {"FATAL": 1, "ERROR": 2, "WARN": 4, "INFO": 6, "DEBUG": 8, "TRACE": 9}


def level_number(level: int | str) -> int:
    """A futile.logger level from its name or number."""
    if isinstance(level, str):
        if level.upper() not in LEVELS:
            raise ValueError(f"unknown log level {level!r}; use one of {', '.join(LEVELS)}")
        return LEVELS[level.upper()]
    return int(level)


def r_number(x: float) -> str:
    """``x`` as R's ``as.character`` writes a double (15 significant digits)."""
    return f"{float(x):.15g}"


@dataclass
class DarchLog:
    """Writes darch's lines at or below ``threshold`` through ``report``.

    With ``every`` seconds > 0, lines are collected and handed to ``report`` together (joined by
    newlines) once that much time has passed since the last hand-over, and by ``flush``: a call
    into R costs ~0.1 ms, and darch's XOR session logs 5,000 lines in half a second.
    """

    report: Report
    threshold: int = LEVELS["INFO"]
    every: float = 0.0
    on_progress: object = None  # callable(done, total, value) drawing a progress bar, or None
    progress_total: int = 0  # epochs of the whole call (pretraining: of all its RBMs)
    progress_offset: int = 0  # epochs of the call done before the current RBM
    bar: object = None  # the terminal's progress bar, when this log draws one
    _pending: list = field(default_factory=list)
    # when lines and the bar were last handed over; -inf: never (time.monotonic() may start near 0,
    # on a machine up for less than ``every`` seconds)
    _last: float = -math.inf
    _last_progress: float = -math.inf

    @classmethod
    def make(
        cls, report: Report | bool | None = None, level: int | str = "INFO", every: float = 0.0
    ) -> "DarchLog":
        """A log to ``report`` (``print`` for None, nothing for False); printing to an interactive
        terminal also draws a live progress bar of the epochs."""
        if not progress_wanted(report):
            return cls(make_reporter(report), level_number(level), every)
        bar = ProgressBar(1, unit="epochs", label="error")
        log = cls(lambda line: bar.line(line, print_report), level_number(level), every)
        log.bar = bar
        log.on_progress = log._draw
        return log

    def _draw(self, done: int, total: int, value: float) -> None:
        self.bar.total = max(int(total), 1)
        self.bar.update(done, value)

    def close(self) -> None:
        """Hand over waiting lines and take the terminal's bar away (the end of a training call)."""
        self.flush()
        if self.bar is not None:
            self.bar.clear()

    def line(self, level: str, message: str) -> None:
        if LEVELS[level] > self.threshold:
            return
        text = f"{level} [{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}"
        if self.every <= 0:
            self.report(text)
            return
        self._pending.append(text)
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.flush()

    def progress(self, done: int, total: int, value: float, force: bool = False) -> None:
        """Tell the progress bar (if any) that ``done`` of ``total`` epochs are done (at most every
        ``every`` seconds; ``force``: now), with the last error ``value``."""
        if self.on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last_progress >= self.every:
            self._last_progress = now
            self.flush()
            self.on_progress(self.progress_offset + done, self.progress_total or total, float(value))

    def flush(self) -> None:
        if self._pending:
            text, self._pending = "\n".join(self._pending), []
            self.report(text)

    def info(self, message: str) -> None:
        self.line("INFO", message)

    def debug(self, message: str) -> None:
        self.line("DEBUG", message)

    def warn(self, message: str) -> None:
        self.line("WARN", message)

    @property
    def debugging(self) -> bool:
        return self.threshold >= LEVELS["DEBUG"]
