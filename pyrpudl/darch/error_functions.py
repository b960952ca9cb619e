"""darch's error functions: ``f(original, estimate)`` gives ``(name, value)``."""

from collections.abc import Callable

import numpy as np

from pyrpudl.errors import InputError

EPS = np.finfo(np.float64).eps


def quadratic_error(original: np.ndarray, estimate: np.ndarray) -> tuple[str, float]:
    return "Quadratic-Error", float(np.sum((original - estimate) ** 2))


def mse_error(original: np.ndarray, estimate: np.ndarray) -> tuple[str, float]:
    """The squared error summed over outputs, averaged over examples (darch: sum(colMeans(...)))."""
    return "Mean-Squared-Error", float(np.sum((original - estimate) ** 2) / original.shape[0])


def cross_entropy_error(original: np.ndarray, estimate: np.ndarray) -> tuple[str, float]:
    """-sum(d log y + (1 - d) log(1 - y)); y is kept off 0 and 1 (in double precision: 1 - eps is 1
    in single precision) so that a saturated unit stays finite."""
    y = np.clip(np.asarray(estimate, np.float64), EPS, 1 - EPS)
    return "Cross-Entropy-Error", float(-np.sum(original * np.log(y) + (1 - original) * np.log(1 - y)))


ERROR_FUNCTIONS: dict[str, Callable] = {
    "quadraticError": quadratic_error,
    "mseError": mse_error,
    "crossEntropyError": cross_entropy_error,
}


def error_function(name: object) -> Callable:
    if isinstance(name, str) and name in ERROR_FUNCTIONS:
        return ERROR_FUNCTIONS[name]
    if callable(name):
        return _user_error_function(name)
    raise InputError(f"unknown error function {name!r}; known: {', '.join(ERROR_FUNCTIONS)}")


def _user_error_function(function: Callable) -> Callable:
    def call(original, estimate):
        result = list(function(original, estimate))
        if len(result) != 2:
            raise InputError("an error function must return list(name, value)")
        return str(result[0]), float(np.asarray(result[1]).ravel()[0])

    return call
