"""Build one layer from prototxt text, and check its gradients by finite differences (float64)."""

import numpy as np
from google.protobuf import text_format

from pyrpudl.net.layers import LAYER_TYPES
from pyrpudl.net.shapes import SHAPE_RULES
from pyrpudl.proto import rpudl_model_pb2 as pb


def short_runs(source, *prototxts, iterations=3):
    """The models of the same short training (seed 1, batch 4, SGD) of each prototxt text."""
    from pyrpudl.model import create_model
    from pyrpudl.solver.trainer import train
    from tests.solver.conftest import sgd

    return [
        train(
            create_model(text, source, seed=1), batch=4, iterations=iterations, solver=sgd(), report=False
        ).model
        for text in prototxts
    ]


def make_layer(text: str, bottom_shapes, dtype=np.float64, seed=0):
    spec = text_format.Parse(text, pb.LayerParameter())
    _, param_shapes = SHAPE_RULES[spec.type](spec, bottom_shapes)
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape).astype(dtype) for shape in param_shapes]
    grads = [np.zeros_like(p) for p in params]
    return LAYER_TYPES[spec.type](spec, bottom_shapes, params, grads)


def check_gradients(layer, bottoms, train=True, eps=1e-6, rtol=1e-5, atol=1e-7, skip_bottoms=()):
    """Compare backward's gradients of sum(tops * R) (R random) with central differences."""
    rng = np.random.default_rng(1)
    tops = layer.forward(bottoms, train)
    projections = [rng.standard_normal(np.shape(t)) for t in tops]

    def objective():
        return sum(
            float((np.asarray(t) * r).sum())
            for t, r in zip(layer.forward(bottoms, train), projections, strict=True)
        )

    bottom_grads = layer.backward([np.asarray(r) for r in projections], bottoms, tops)
    analytic = [g.copy() for g in layer.grads]
    targets = [(bottoms[i], bottom_grads[i]) for i in range(len(bottoms)) if i not in skip_bottoms]
    targets += list(zip(layer.params, analytic, strict=True))
    for array, gradient in targets:
        numeric = central_differences(array.reshape(-1), objective, eps).reshape(array.shape)
        np.testing.assert_allclose(gradient, numeric, rtol=rtol, atol=atol)


def central_differences(values: np.ndarray, loss, step: float = 1e-6) -> np.ndarray:
    """d loss / d values by central differences, each value nudged in place (``values``: a flat
    view of the array the loss reads)."""
    numeric = np.zeros(values.size)
    for i in range(values.size):
        saved = values[i]
        values[i] = saved + step
        plus = loss()
        values[i] = saved - step
        minus = loss()
        values[i] = saved
        numeric[i] = (plus - minus) / (2 * step)
    return numeric
