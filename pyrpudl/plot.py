"""Pictures for Python users, as plotnine (ggplot) objects: a model's cost curve, a darch's error
curve, a layer's filters as a grid of small images, and a net's layer times.

plotnine is imported when a picture is asked for (it takes a second to load), not with pyrpudl.
Each function returns a ``plotnine.ggplot``: show it in a notebook, add layers to it, or
``.save("file.png")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pyrpudl.errors import InputError


def cost_curve(model) -> object:
    """The training cost of every iteration of ``model`` (a :class:`~pyrpudl.model.Model`), with a
    smoothed curve through it, and the test phase's cost where the model was tested (orange; the
    last test accuracy in the caption).

    Parameters
    ----------
    model
        A trained :class:`~pyrpudl.model.Model`.

    Returns
    -------
    plotnine.ggplot
        The picture.
    """
    import plotnine as p9

    costs = np.asarray(model.cost_log, dtype=np.float64)
    if costs.size == 0:
        raise InputError("the model has not been trained yet: train it first")
    frame = pd.DataFrame({"iteration": np.arange(1, costs.size + 1), "cost": costs})
    picture = (
        p9.ggplot(frame, p9.aes("iteration", "cost"))
        + p9.geom_point(alpha=0.2, size=0.5)
        + p9.geom_smooth(
            method="mavg", method_args={"window": max(1, costs.size // 20)}, color="steelblue", se=False
        )
        + p9.labs(x="iteration", y="training cost", title="rpudl training")
    )
    if not model.test_log:
        return picture
    tests = pd.DataFrame(model.test_log, columns=["iteration", "cost", "accuracy"])
    last = tests.iloc[-1]
    return (
        picture
        + p9.geom_line(tests, p9.aes("iteration", "cost"), color="darkorange")
        + p9.geom_point(tests, p9.aes("iteration", "cost"), color="darkorange", size=1.5)
        + p9.labs(
            y="cost",
            subtitle="training (grey, smoothed in blue) and test (orange)",
            caption=f"test accuracy {last.accuracy:.2%} at iteration {int(last.iteration)}",
        )
    )


def darch_errors(darch) -> object:
    """The error of each fine-tuning epoch of ``darch`` (a :class:`~pyrpudl.darch.DArch`) on each
    set it was evaluated on (training, validation, test).

    Parameters
    ----------
    darch
        A fine-tuned :class:`~pyrpudl.darch.DArch`.

    Returns
    -------
    plotnine.ggplot
        The picture.
    """
    import plotnine as p9

    names = {"dataErrors": "training", "validErrors": "validation", "testErrors": "test"}
    rows = [
        pd.DataFrame({"epoch": np.arange(1, len(values) + 1), "error": values, "set": names[key]})
        for key, values in darch.stats.items()
        if key in names and values
    ]
    if not rows:
        raise InputError("the darch has no fine-tuning errors yet: fine-tune it first")
    return (
        p9.ggplot(pd.concat(rows), p9.aes("epoch", "error", color="set"))
        + p9.geom_line()
        + p9.labs(x="epoch", y=f"error ({darch.error_function})", title="darch fine-tuning")
    )


def layer_filters(weights: np.ndarray, ncol: int | None = None) -> object:
    """Filters ``num_output x channels x height x width`` (as ``Model.layer_weights`` returns them)
    as a grid of images, each normalised to its own range; in colour for 3 input channels, else the
    first channel in grey.

    Parameters
    ----------
    weights
        The filters, ``num_output x channels x height x width``.
    ncol
        Images per row of the grid (default: about the square root of their number).

    Returns
    -------
    plotnine.ggplot
        The picture.
    """
    import plotnine as p9

    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise InputError("weights must be an array num_output x channels x height x width")
    n, channels, height, width = w.shape
    ncol = ncol or int(np.ceil(np.sqrt(n)))
    low = w.min(axis=(1, 2, 3), keepdims=True)
    span = np.maximum(w.max(axis=(1, 2, 3), keepdims=True) - low, np.finfo(np.float64).tiny)
    scaled = (w - low) / span
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    frames = []
    for k in range(n):
        if channels == 3:
            r, g, b = (np.round(255 * scaled[k, c]).astype(int) for c in range(3))
            colour = [
                f"#{x:02x}{y:02x}{z:02x}" for x, y, z in zip(r.ravel(), g.ravel(), b.ravel(), strict=True)
            ]
        else:
            grey = np.round(255 * scaled[k, 0]).astype(int).ravel()
            colour = [f"#{v:02x}{v:02x}{v:02x}" for v in grey]
        frames.append(
            pd.DataFrame({"x": cols.ravel(), "y": -rows.ravel(), "colour": colour, "filter": k + 1})
        )
    return (
        p9.ggplot(pd.concat(frames), p9.aes("x", "y", fill="colour"))
        + p9.geom_tile()
        + p9.scale_fill_identity()
        + p9.facet_wrap("~filter", ncol=ncol)
        + p9.coord_equal()
        + p9.theme_void()
        + p9.theme(strip_text=p9.element_blank())
    )


def layer_times(timing) -> object:
    """Each layer's forward and backward time (a :class:`~pyrpudl.timing.NetTiming`, from
    :func:`pyrpudl.timing.time_model`) as stacked bars, the first layer on top; what R's
    ``plot(rpudlTime(model))`` draws.

    Returns
    -------
    plotnine.ggplot
        The picture.
    """
    import plotnine as p9

    names = [f"{i + 1}. {layer.name}" for i, layer in enumerate(timing.layers)]  # names may repeat
    frame = pd.DataFrame(
        {
            "layer": names * 2,
            "pass": ["forward"] * len(names) + ["backward"] * len(names),
            "ms": [layer.forward_ms for layer in timing.layers]
            + [layer.backward_ms or 0.0 for layer in timing.layers],
        }
    )
    frame["layer"] = pd.Categorical(frame["layer"], categories=names[::-1])
    frame["pass"] = pd.Categorical(frame["pass"], categories=["backward", "forward"])
    net = f"{timing.net}: " if timing.net else ""
    return (
        p9.ggplot(frame, p9.aes("layer", "ms", fill="pass"))
        + p9.geom_col()
        + p9.coord_flip()
        + p9.scale_fill_manual(values={"forward": "steelblue", "backward": "darkorange"})
        + p9.labs(
            x="", y=f"milliseconds (median of {timing.iterations} passes)", fill="",
            title=f"{net}{timing.total_ms:.1f} ms a pass, batch {timing.batch} on {timing.device}",
        )
    )  # fmt: skip
