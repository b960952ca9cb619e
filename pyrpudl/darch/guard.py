"""One epoch of training that can be undone: Ctrl-C or a non-finite result leaves the last good state.

Arrays in memory are undone by the copy the training loop keeps of its model; arrays in files
(``ff = TRUE``) are shared by such copies, so the guard keeps ``.last-good`` files beside them,
written after every completed epoch, and copies them back after a failed one.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np

from pyrpudl.darch.ondisk import create, is_on_disk
from pyrpudl.errors import is_interrupt


class EpochGuard:
    def __init__(self, arrays: dict[str, np.ndarray]):
        """``arrays``: what an epoch changes, by a name for its last-good file."""
        self.pairs = []
        for label, array in arrays.items():
            if is_on_disk(array):
                copy = create(Path(array.filename).with_name(f"{label}.last-good.npy"), np.asarray(array))
                self.pairs.append((array, copy))

    def attempt(self, work: Callable, is_good: Callable) -> tuple[str | None, object]:
        """``(None, result)`` of ``work()`` when ``is_good(result)``; else the files are put back and
        the reason comes first: "interrupted" (Ctrl-C) or "not finite"."""
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a non-finite result is judged below
                result = work()
        except BaseException as exc:
            if not is_interrupt(exc):
                raise
            self._restore()
            return "interrupted", None
        if not is_good(result):
            self._restore()
            return "not finite", result
        for array, copy in self.pairs:
            copy[...] = array
        return None, result

    def _restore(self) -> None:
        for array, copy in self.pairs:
            array[...] = copy
