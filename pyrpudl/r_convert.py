"""R-shaped arguments to Python values: the one place where the conventions of R meet ours.

The R package marshals values so that they arrive here in a known form (``R/convert.R``):

- double and integer matrices and arrays arrive as read-only, column-major NumPy views of R's
  memory (no copy); we keep them as they are and never write to them;
- ranges arrive 1-based and inclusive, ``c(from, to)``, and leave as 0-based slices;
- labels arrive as integer vectors, or as factors marshalled to ``{"codes": 0-based codes,
  "levels": [names]}``; both become :class:`Labels`.

Error messages speak R's language (1-based positions, argument names as the R user typed them).
"""

from dataclasses import dataclass

import numpy as np

from pyrpudl.errors import InputError

R_NA_INTEGER = np.iinfo(np.int32).min  # R's NA_integer_ as it arrives in an int32 array


def as_matrix(x: object, arg: str = "x") -> np.ndarray:
    """A numeric 2-D array from an R matrix (zero-copy) or any array-like; no copy when possible."""
    array = np.asarray(x)
    if array.ndim != 2:
        raise InputError(
            f"{arg} must be a matrix (2 dimensions) but has {array.ndim}; "
            "in R use matrix() or as.matrix(), with one example per row"
        )
    if array.dtype.kind not in "fiub":
        raise InputError(
            f"{arg} must be numeric but holds {array.dtype} values; convert it with as.numeric()"
        )
    return array


def as_index_range(pair: object, length: int, arg: str = "range") -> slice:
    """An R range ``c(from, to)`` (1-based, inclusive) as a 0-based slice into ``length`` items."""
    values = np.asarray(pair).ravel()
    if values.size != 2 or values.dtype.kind not in "fiu" or not np.all(np.isfinite(values)):
        raise InputError(f"{arg} must be two numbers, c(from, to), counting from 1")
    first, last = values
    if first != int(first) or last != int(last):
        raise InputError(f"{arg} must hold whole numbers, not c({first}, {last})")
    first, last = int(first), int(last)
    if first < 1:
        raise InputError(f"{arg} starts at {first}, but positions in R count from 1")
    if last < first:
        raise InputError(f"{arg} is c({first}, {last}): 'to' must not be less than 'from'")
    if last > length:
        raise InputError(f"{arg} is c({first}, {last}), but there are only {length} items (1..{length})")
    return slice(first - 1, last)


@dataclass(frozen=True)
class Labels:
    """Class labels: integer ``codes`` and, for an R factor, the ``levels`` they index (0-based)."""

    codes: np.ndarray
    levels: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def to_r(self) -> dict:
        """The form ``R/convert.R`` turns back into an integer vector or a factor."""
        return {"codes": self.codes, "levels": None if self.levels is None else list(self.levels)}


def as_labels(value: object, arg: str = "y") -> Labels:
    """Labels from an R integer vector, a marshalled factor, or any 1-D integer array-like."""
    levels = None
    if isinstance(value, dict):
        raw_levels = value.get("levels")
        if raw_levels is not None:
            # a one-element R character vector arrives as a plain str
            levels = (raw_levels,) if isinstance(raw_levels, str) else tuple(map(str, raw_levels))
        value = value["codes"]
    codes = np.asarray(value)
    if codes.ndim != 1:
        codes = codes.reshape(-1) if codes.ndim == 2 and 1 in codes.shape else codes
    if codes.ndim != 1:
        raise InputError(f"{arg} must be a vector of labels, not an array of shape {codes.shape}")
    if codes.dtype.kind == "f":
        if not np.all(np.isfinite(codes)) or np.any(codes != np.round(codes)):
            raise InputError(f"{arg} must hold whole numbers (class labels); found NA or fractions")
        codes = codes.astype(np.int64)
    if codes.dtype.kind not in "iu":
        raise InputError(f"{arg} must hold integer class labels or be a factor, not {codes.dtype} values")
    if codes.dtype == np.int32 and np.any(codes == R_NA_INTEGER):
        raise InputError(f"{arg} contains NA; every example needs a label")
    if levels is not None and codes.size and (codes.min() < 0 or codes.max() >= len(levels)):
        raise InputError(f"{arg} has codes outside its {len(levels)} levels")
    return Labels(codes, levels)
