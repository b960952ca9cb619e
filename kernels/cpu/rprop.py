"""Resilient backpropagation's update for darch's ``rpropagation`` on a backend (Igel and Huesken
2000), element by element over a layer's (n_in + 1, n_out) weights, the bias row included.

``method`` codes darch's variants: 0 Rprop+, 1 Rprop-, 2 iRprop+, 3 iRprop-. Per weight, with g the
batch's summed gradient plus ``decay`` times the weight and p the previous step's g:

- the step size grows by ``inc`` (at most ``max_step``) where g p > 0, shrinks by ``dec`` (at
  least ``min_step``) where g p < 0;
- Rprop-: the weight moves by -sign(g) step; iRprop-: the same with g taken as 0 where g p < 0;
- Rprop+ / iRprop+: where g p < 0 the previous change is undone (iRprop+: only when the batch's
  error rose, ``errors[0] > errors[1]``) and g is taken as 0; elsewhere -sign(g) step.

``errors`` (2,) holds the batch's squared error sum((y - t)^2) and the previous batch's (the caller
fills them with ``rbm.squared_error`` and ``elementwise.axpby``; only their order matters here).
The tuner of the same name in ``pyrpudl/darch/tuners.py`` is the NumPy reference.
"""

import numba

RPROP_PLUS, RPROP_MINUS, IRPROP_PLUS, IRPROP_MINUS = range(4)


@numba.njit(cache=True, error_model="numpy")
def rprop_step(weights, gradient, previous, step_size, change, errors, method, inc, dec, min_step, max_step,
               decay):  # fmt: skip
    """Update ``weights`` and the state ``previous``, ``step_size`` and ``change`` in place;
    ``gradient`` and ``errors`` are read."""
    t = weights.dtype.type
    inc, dec, min_step, max_step, decay = t(inc), t(dec), t(min_step), t(max_step), t(decay)
    plus = method == RPROP_PLUS or method == IRPROP_PLUS
    undo = method == RPROP_PLUS or errors[0] > errors[1]
    zero = t(0.0)
    for r in range(weights.shape[0]):
        for c in range(weights.shape[1]):
            w = weights[r, c]
            g = gradient[r, c] + decay * w if decay != zero else gradient[r, c]
            turn = g * previous[r, c]
            step = step_size[r, c]
            if turn > zero:
                step = min(step * inc, max_step)
            elif turn < zero:
                step = max(step * dec, min_step)
            if turn < zero and (plus or method == IRPROP_MINUS):
                moved = -change[r, c] if plus and undo else zero
                g = zero
            else:  # -sign(g) step
                moved = -step if g > zero else (step if g < zero else zero)
            weights[r, c] = w + moved
            previous[r, c], step_size[r, c], change[r, c] = g, step, moved
