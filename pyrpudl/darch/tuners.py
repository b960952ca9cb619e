"""darch's fine-tune functions: each updates a DArch in place from one batch.

- ``backpropagation``: gradient descent with momentum on the darch's error function: for the
  squared errors the output delta is ``(output - target) * f'`` (darch's); for ``crossEntropyError``
  with sigmoid or softmax outputs it is the exact ``output - target``. Gradients are batch means.
- ``rpropagation``: resilient backpropagation, Rprop+ / Rprop- / iRprop+ / iRprop- (Igel and
  Huesken 2000), with per-weight step sizes over the batch's summed gradient.
- ``minimizeClassifier``: conjugate gradients (``minimize``) on the cross-entropy of the outputs
  (softmax outputs: -sum(t log y)), optionally the top layer alone for the first epochs.
- ``minimizeAutoencoder``: conjugate gradients on half the squared error, for autoencoders.
"""

import inspect

import numpy as np

from pyrpudl.darch import units
from pyrpudl.darch.minimize import minimize
from pyrpudl.darch.model import DArch
from pyrpudl.errors import InputError

RPROP_METHODS = ("Rprop+", "Rprop-", "iRprop+", "iRprop-")


def forward(darch: DArch, x: np.ndarray, layers: range | None = None, x_is_input: bool = True):
    """Outputs and derivatives of ``layers`` (all by default); binSigmoidUnit draws advance."""
    keys = units.Keys(darch.seed, 1000, darch.draws)
    outputs, slopes = [], []
    for i in layers if layers is not None else range(len(darch.layers)):
        keys.layer = 1000 + i
        layer = darch.layers[i]
        x, d = units.forward(x, layer.weights, layer.unit, True, keys, f"layer {i + 1}")
        outputs.append(x)
        slopes.append(d)
    darch.draws = keys.draw
    return outputs, slopes


def gradients(darch, x, outputs, slopes, output_delta, first: int = 0) -> list[np.ndarray]:
    """d(loss)/dW of layers ``first``.. as (n_in + 1, n_out) matrices, from the output layer's delta
    (the loss's derivative with respect to that layer's input sum)."""
    grads = []
    delta = output_delta
    for j in range(len(outputs) - 1, -1, -1):
        i = first + j
        below = outputs[j - 1] if j > 0 else x
        grads.append(np.vstack([below.T @ delta, delta.sum(axis=0, keepdims=True)]))
        if j > 0:
            delta = (delta @ darch.layers[i].weights[:-1].T) * slopes[j - 1]
    return grads[::-1]


def output_delta_is_exact(darch: DArch) -> bool:
    """Whether the output delta is the exact ``y - t`` (cross-entropy on sigmoid or softmax units)
    rather than the squared error's ``(y - t) f'`` (darch's rule, also for user error functions)."""
    kind = units.unit_kind(darch.layers[-1].unit)
    return darch.error_function == "crossEntropyError" and kind in ("sigmoid", "softmax")


def output_delta(darch: DArch, y: np.ndarray, slope: np.ndarray, t: np.ndarray) -> np.ndarray:
    """d(error)/d(output layer's input sum), see :func:`output_delta_is_exact`."""
    return y - t if output_delta_is_exact(darch) else (y - t) * slope


def backpropagation(darch: DArch, x: np.ndarray, t: np.ndarray, **_) -> None:
    outputs, slopes = forward(darch, x)
    grads = gradients(darch, x, outputs, slopes, output_delta(darch, outputs[-1], slopes[-1], t))
    momentum, n = darch.momentum(), x.shape[0]
    for layer, grad in zip(darch.layers, grads, strict=True):
        if layer.increments is None:
            layer.increments = np.zeros_like(layer.weights)
        inc = layer.increments
        inc *= momentum
        inc[:-1] -= (darch.learn_rate_weights / n) * grad[:-1]
        inc[-1] -= (darch.learn_rate_biases / n) * grad[-1]
        layer.weights += inc


def rpropagation(
    darch: DArch, x: np.ndarray, t: np.ndarray, method: str = "iRprop+", decFact: float = 0.5,
    incFact: float = 1.2, weightDecay: float = 0.0, initDelta: float = 0.0125, minDelta: float = 1e-6,
    maxDelta: float = 50.0, **_,
) -> None:  # fmt: skip
    check_rprop_method(method)
    outputs, slopes = forward(darch, x)
    error = outputs[-1] - t
    grads = gradients(darch, x, outputs, slopes, output_delta(darch, outputs[-1], slopes[-1], t))
    new_error = float(0.5 * np.sum(error * error))
    old_error = darch.stats.get("_rprop_error", [np.inf])[-1]
    darch.stats["_rprop_error"] = [new_error]
    for layer, g in zip(darch.layers, grads, strict=True):
        if weightDecay:
            g += weightDecay * layer.weights
        s = layer.state
        if "rprop_delta" not in s:
            s["rprop_gradient"] = np.zeros_like(g)
            s["rprop_delta"] = np.full_like(g, initDelta)
            s["rprop_change"] = np.zeros_like(g)
        gg = g * s["rprop_gradient"]
        delta = s["rprop_delta"]
        delta = np.where(gg > 0, np.minimum(delta * incFact, maxDelta),
                         np.where(gg < 0, np.maximum(delta * decFact, minDelta), delta))  # fmt: skip
        step = -np.sign(g) * delta
        if method in ("Rprop+", "iRprop+"):
            backtrack = method == "Rprop+" or new_error > old_error
            change = np.where(gg < 0, -s["rprop_change"] if backtrack else 0.0, step)
            g = np.where(gg < 0, 0.0, g)
        elif method == "iRprop-":
            g = np.where(gg < 0, 0.0, g)
            change = -np.sign(g) * delta
        else:
            change = step
        layer.weights += change
        s["rprop_gradient"], s["rprop_delta"], s["rprop_change"] = g, delta, change


def check_rprop_method(method: str) -> None:
    if method not in RPROP_METHODS:
        raise InputError(f"method must be one of {', '.join(RPROP_METHODS)}, not {method!r}")


# rpropagation's settings with darch's defaults, as its signature gives them (the device's Rprop
# takes the same)
RPROP_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(rpropagation).parameters.items()
    if p.default is not inspect.Parameter.empty
}


def _cg(darch, x, t, length, layers, loss):
    """Run ``minimize`` over the flattened weights of ``layers`` (inputs ``x`` to the first of them)."""
    shapes = [darch.layers[i].weights.shape for i in layers]
    sizes = [int(np.prod(shape)) for shape in shapes]

    def set_weights(flat):
        for i, piece in zip(layers, np.split(flat, np.cumsum(sizes)[:-1]), strict=True):
            darch.layers[i].weights[...] = piece.reshape(darch.layers[i].weights.shape)  # in place: ff files

    def f(flat):
        set_weights(flat)
        outputs, slopes = forward(darch, x, layers)
        value, output_delta = loss(outputs[-1], slopes[-1], darch.layers[layers[-1]].unit)
        grads = gradients(darch, x, outputs, slopes, output_delta, first=layers[0])
        return value, np.concatenate([g.ravel() for g in grads]).astype(np.float64)

    start = np.concatenate([darch.layers[i].weights.ravel() for i in layers])
    best, _ = minimize(f, start, int(length))
    set_weights(best)


def _cross_entropy(t):
    def loss(y, _slope, unit):
        eps = np.finfo(np.float64).eps
        yc = np.clip(y.astype(np.float64), eps, 1 - eps)  # 1 - eps rounds to 1 in single precision
        if units.unit_kind(unit) == "softmax":
            value = -np.sum(t * np.log(yc))
        else:
            value = -np.sum(t * np.log(yc) + (1 - t) * np.log(1 - yc))
        return float(value), y - t

    return loss


def minimize_classifier(darch: DArch, x, t, length: int = 3, switchLayers: int = 0, **_) -> None:
    """CG on the cross-entropy; the top layer alone (on the lower layers' outputs) while fewer than
    ``switchLayers`` epochs are done, as Hinton's code trains its classifier."""
    top = len(darch.layers) - 1
    if darch.epochs < switchLayers and top > 0:
        features = forward(darch, x, range(top))[0][-1]
        _cg(darch, features, t, length, [top], _cross_entropy(t))
    else:
        _cg(darch, x, t, length, list(range(top + 1)), _cross_entropy(t))


def minimize_autoencoder(darch: DArch, x, t, length: int = 3, **_) -> None:
    def loss(y, slope, _unit):
        error = y - t
        return float(0.5 * np.sum(error * error)), error * slope

    _cg(darch, x, t, length, list(range(len(darch.layers))), loss)


TUNERS = {
    "backpropagation": backpropagation,
    "rpropagation": rpropagation,
    "minimizeClassifier": minimize_classifier,
    "minimizeAutoencoder": minimize_autoencoder,
}
