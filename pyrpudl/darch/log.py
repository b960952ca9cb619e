"""darch's log lines, as futile.logger writes them: ``INFO [2015-07-19 18:50:29] message``.

Levels are futile.logger's numbers (a line shows when its level is at most the threshold), so an R
user's ``logLevel = DEBUG`` means the same here. Numbers in messages are written as R's ``paste``
writes doubles: 15 significant digits.
"""

import time
from dataclasses import dataclass

from pyrpudl.progress import Report, make_reporter

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
    """Writes darch's lines at or below ``threshold`` through ``report``."""

    report: Report
    threshold: int = LEVELS["INFO"]

    @classmethod
    def make(cls, report: Report | bool | None = None, level: int | str = "INFO") -> "DarchLog":
        return cls(make_reporter(report), level_number(level))

    def line(self, level: str, message: str) -> None:
        if LEVELS[level] <= self.threshold:
            self.report(f"{level} [{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}")

    def info(self, message: str) -> None:
        self.line("INFO", message)

    def debug(self, message: str) -> None:
        self.line("DEBUG", message)

    def warn(self, message: str) -> None:
        self.line("WARN", message)

    @property
    def debugging(self) -> bool:
        return self.threshold >= LEVELS["DEBUG"]
