"""CUDA twins of ``kernels/cpu/rprop.py`` (float32; see there for ``method`` and the rules)."""

import numpy as np
from numba import cuda

from .grid import THREADS
from .grid import blocks as _blocks

RPROP_PLUS, RPROP_MINUS, IRPROP_PLUS, IRPROP_MINUS = range(4)


@cuda.jit(cache=True)
def _rprop_step(weights, gradient, previous, step_size, change, errors, method, inc, dec, min_step, max_step,
                decay):  # fmt: skip
    zero = np.float32(0.0)
    plus = method == RPROP_PLUS or method == IRPROP_PLUS
    undo = method == RPROP_PLUS or errors[0] > errors[1]
    cols = weights.shape[1]
    for i in range(cuda.grid(1), weights.size, cuda.gridsize(1)):
        r, c = i // cols, i % cols
        w = weights[r, c]
        g = gradient[r, c]
        if decay != zero:
            g = g + decay * w
        turn = g * previous[r, c]
        step = step_size[r, c]
        if turn > zero:
            step = min(step * inc, max_step)
        elif turn < zero:
            step = max(step * dec, min_step)
        if turn < zero and (plus or method == IRPROP_MINUS):
            moved = zero
            if plus and undo:
                moved = -change[r, c]
            g = zero
        else:
            moved = -step if g > zero else (step if g < zero else zero)
        weights[r, c] = w + moved
        previous[r, c] = g
        step_size[r, c] = step
        change[r, c] = moved


def rprop_step(weights, gradient, previous, step_size, change, errors, method, inc, dec, min_step, max_step,
               decay):  # fmt: skip
    _rprop_step[_blocks(weights.size), THREADS](
        weights, gradient, previous, step_size, change, errors, np.int32(method),
        *map(np.float32, (inc, dec, min_step, max_step, decay)),
    )  # fmt: skip
