"""darch's unit (activation) functions, run by the engine, and user functions called back.

In darch a layer is ``(W, unit)`` with ``W`` of shape ``(n_in + 1, n_out)``, the bias as its last row,
and ``unit(cbind(X, 1), W)`` returns ``list(activation, derivative)``. The package's own units are
known here by name and computed without building ``cbind(X, 1)``: ``X @ W[:-1]`` plus the bias row.
Any other callable is called as darch calls it (slower: the data crosses to it and back).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.kernels.cpu import rbm as k

# name -> (kind, whether darch's function of that name also returns the derivative)
UNITS = {
    "sigmoidUnit": ("sigmoid", False),
    "sigmoidUnitDerivative": ("sigmoid", True),
    "binSigmoidUnit": ("binary", False),
    "linearUnit": ("linear", False),
    "linearUnitDerivative": ("linear", True),
    "softmaxUnit": ("softmax", False),
    "softmaxUnitDerivative": ("softmax", True),
    "tanhUnit": ("tanh", False),
    "tanhUnitDerivative": ("tanh", True),
}

Unit = str | Callable


def check_unit(unit: object, where: str) -> Unit:
    """``unit`` if it is a known unit name or a callable; else an error listing the names."""
    if isinstance(unit, str):
        if unit not in UNITS:
            raise InputError(f"{where}: unknown unit function {unit!r}; known: {', '.join(UNITS)}")
        return unit
    if not callable(unit):
        raise InputError(f"{where}: a unit function must be a function or one of {', '.join(UNITS)}")
    return unit


def unit_kind(unit: Unit) -> str:
    """'sigmoid', 'binary', 'linear', 'softmax', 'tanh', or 'custom' for a user function."""
    return UNITS[unit][0] if isinstance(unit, str) else "custom"


@dataclass
class Keys:
    """Where binSigmoidUnit's draws come from: (seed, layer, draw) of the counter-based hash."""

    seed: int = 0
    layer: int = 0
    draw: int = 0


def affine(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``cbind(x, 1) %*% weights`` without building ``cbind(x, 1)``."""
    a = x @ weights[:-1]
    a += weights[-1]
    return a


def forward(
    x: np.ndarray, weights: np.ndarray, unit: Unit, derivative: bool, keys: Keys | None = None, where=""
) -> tuple[np.ndarray, np.ndarray | None]:
    """The activation of one layer, and its derivative with respect to the layer's input sum.

    The engine knows the derivative of each of its units whatever its name says (sigmoidUnit and
    sigmoidUnitDerivative activate alike); a user function must return one when ``derivative``.
    """
    kind = unit_kind(unit)
    if kind == "custom":
        return _call_user_unit(x, weights, unit, derivative, where)
    if kind in ("sigmoid", "binary"):
        y = x @ weights[:-1]
        k.sigmoid_bias(y, y, weights[-1])
        d = y * (1 - y) if derivative else None
        if kind == "binary":
            keys = keys or Keys()
            k.sample_bernoulli(y, y, keys.seed, keys.layer, keys.draw)
            keys.draw += 1
        return y, d
    y = affine(x, weights)
    if kind == "linear":
        return y, (np.ones_like(y) if derivative else None)
    if kind == "tanh":
        np.tanh(y, out=y)
        return y, (1 - y * y if derivative else None)
    y -= y.max(axis=1, keepdims=True)  # softmax
    np.exp(y, out=y)
    y /= y.sum(axis=1, keepdims=True)
    return y, (y * (1 - y) if derivative else None)


def _call_user_unit(x, weights, unit, derivative, where):
    data = np.hstack([x, np.ones((x.shape[0], 1), x.dtype)])
    try:
        result = unit(data, np.asarray(weights, np.float64))
    except Exception as exc:
        raise InputError(f"the unit function of {where} failed: {exc}") from exc
    parts = list(result) if isinstance(result, list | tuple) else [result]
    wanted = (x.shape[0], weights.shape[1])
    arrays = []
    for name, part in zip(("activation", "derivative"), parts[:2], strict=False):
        array = np.asarray(part, dtype=weights.dtype)
        if array.shape != wanted:
            raise InputError(
                f"the unit function of {where} returned an {name} of shape {array.shape}; "
                f"expected {wanted[0]} x {wanted[1]} (rows of data x units of the layer)"
            )
        arrays.append(np.ascontiguousarray(array))
    if derivative and len(arrays) < 2:
        raise InputError(
            f"the unit function of {where} returns no derivative, which fine-tuning needs: "
            "return list(activation, derivative), as sigmoidUnitDerivative does"
        )
    return arrays[0], (arrays[1] if derivative else None)
