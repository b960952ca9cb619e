"""Caffe's ArgMax: the top_k indices (and values) over an example's values or along an axis."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu.combine import argmax_forward
from pyrpudl.net.shapes import ShapeError
from tests.net.layers.helpers import make_layer


def test_argmax_over_each_example_with_its_values_and_caffes_ties():
    x = np.array([[[1.0, 5.0], [5.0, 2.0]], [[0.0, -1.0], [3.0, 3.0]]])  # (2, 2, 2): 4 values each
    layer = make_layer('name: "a" type: "ArgMax" argmax_param { top_k: 3 out_max_val: true }', [x.shape])
    assert layer.top_shapes == [(2, 2, 3)]
    (out,) = layer.forward([x], False)
    # example 0: two 5s (flat indices 1 and 2): the later first, as Caffe's sorted (value, index) pairs
    np.testing.assert_array_equal(out[0], [[2, 1, 3], [5, 5, 2]])
    np.testing.assert_array_equal(out[1], [[3, 2, 0], [3, 3, 0]])
    plain = make_layer('name: "a" type: "ArgMax"', [x.shape])
    assert plain.top_shapes == [(2, 1, 1)]
    np.testing.assert_array_equal(plain.forward([x], False)[0].ravel(), [2, 3])


@pytest.mark.parametrize("with_values", [False, True])
def test_argmax_along_an_axis(with_values):
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    settings = f"axis: 1 top_k: 2 out_max_val: {str(with_values).lower()}"
    layer = make_layer(f'name: "a" type: "ArgMax" argmax_param {{ {settings} }}', [x.shape])
    (out,) = layer.forward([x], False)
    order = np.argsort(-x, axis=1)[:, :2]
    want = np.take_along_axis(x, order, axis=1) if with_values else order
    np.testing.assert_array_equal(out, want)


def test_a_top_k_beyond_the_values_is_refused():
    with pytest.raises(ShapeError, match="top_k 5 must be 1 to the 4 values"):
        make_layer('name: "a" type: "ArgMax" argmax_param { top_k: 5 }', [(2, 4)])


def test_the_kernel_ranks_a_row_of_ties_by_index_from_the_last():
    x = np.zeros((1, 4, 1), np.float32)
    indices, values = np.empty((1, 4, 1), np.float32), np.empty((1, 4, 1), np.float32)
    argmax_forward(indices, values, x, 4)
    np.testing.assert_array_equal(indices.ravel(), [3, 2, 1, 0])
