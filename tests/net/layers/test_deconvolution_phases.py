"""The CPU's Deconvolution without columns (deconvolution_phases.py) against the column path, which
test_deconvolution.py checks against the scatter that defines it and finite differences."""

import numpy as np
import pytest

from pyrpudl.kernels.cpu.phase_deconv import PhaseAxis
from tests.net.layers.helpers import make_layer

GEOMETRIES = {
    "FCN's 8x8 stride 4 (benchmarks/nets/fcn_fashion.prototxt)": (
        "num_output: 11 kernel_size: 8 stride: 4 pad: 2 bias_term: false",
        (3, 11, 7, 7),
    ),
    "2x upsampling, 4x4 pad 1": ("num_output: 3 kernel_size: 4 stride: 2 pad: 1", (2, 2, 3, 3)),
    "stride 1, groups": ("num_output: 4 kernel_size: 3 pad: 1 group: 2", (1, 4, 3, 4)),
    "kernel not a multiple of the stride": ("num_output: 5 kernel_size: 5 stride: 2", (2, 3, 4, 6)),
    "kernel smaller than the stride": ("num_output: 2 kernel_size: 2 stride: 3 pad: 1", (2, 3, 3, 5)),
    "pad past the first phase row": ("num_output: 3 kernel_size: 6 stride: 2 pad: 4", (2, 2, 6, 5)),
    "bilinear-style: one channel a group": ("num_output: 6 kernel_size: 4 stride: 2 group: 6", (2, 6, 4, 4)),
    "rectangular": (
        "num_output: 7 kernel_h: 3 kernel_w: 6 stride_h: 1 stride_w: 3 pad_h: 1 pad_w: 2",
        (2, 8, 5, 4),
    ),
    "wide rows (several runs of 8)": ("num_output: 9 kernel_size: 4 stride: 2 pad: 1", (2, 13, 3, 11)),
}


def pair(params, shape, seed=3):
    """The same float32 layer twice (shared weights): on the phase kernels, and on the columns."""
    text = f'name: "up" type: "Deconvolution" convolution_param {{ {params} }}'
    phases, columns = make_layer(text, [shape], np.float32), make_layer(text, [shape], np.float32)
    for mine, theirs in zip(columns.params, phases.params, strict=True):
        mine[...] = theirs
    columns.phases = False
    phases._phases.saves_columns = True  # the geometries the layer leaves to BLAS, tested too
    rng = np.random.default_rng(seed)
    return phases, columns, rng.standard_normal(shape).astype(np.float32), rng


@pytest.mark.parametrize("params, shape", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_forward_equals_the_column_path(params, shape):
    phases, columns, image, _ = pair(params, shape)
    assert phases._phase_path(np.float32) is not None
    got = phases.forward([image], True)[0]
    np.testing.assert_allclose(got, columns.forward([image], True)[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("params, shape", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_gradients_equal_the_column_path(params, shape):
    phases, columns, image, rng = pair(params, shape)
    top = phases.forward([image], True)[0].copy()
    columns.forward([image], True)
    diff = rng.standard_normal(top.shape).astype(np.float32)
    got = phases.backward([diff], [image], [top])[0].copy()
    want = columns.backward([diff], [image], [top])[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    for mine, theirs in zip(phases.grads, columns.grads, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-4)


def test_a_second_batch_reuses_nothing_stale():
    """Buffers are kept across steps: a second, different batch must give its own results."""
    params, shape = GEOMETRIES["2x upsampling, 4x4 pad 1"]
    phases, columns, image, rng = pair(params, shape)
    for _ in range(2):
        image = rng.standard_normal(shape).astype(np.float32)
        top = phases.forward([image], True)[0].copy()
        np.testing.assert_allclose(top, columns.forward([image], True)[0], rtol=1e-4, atol=1e-5)
        diff = rng.standard_normal(top.shape).astype(np.float32)
        got = phases.backward([diff], [image], [top])[0].copy()
        np.testing.assert_allclose(got, columns.backward([diff], [image], [top])[0], rtol=1e-4, atol=1e-4)


def test_dilation_doubles_and_kernels_within_their_stride_take_the_column_path():
    dilated, _, _, _ = pair("num_output: 2 kernel_size: 3 stride: 2 dilation: 2", (1, 2, 4, 4))
    assert dilated._phase_path(np.float32) is None
    plain, _, _, _ = pair("num_output: 2 kernel_size: 3 stride: 2", (1, 2, 4, 4))
    assert plain._phase_path(np.float64) is None
    text = 'name: "up" type: "Deconvolution" convolution_param { num_output: 2 kernel_size: 2 stride: 2 }'
    assert make_layer(text, [(1, 2, 4, 4)], np.float32)._phase_path(np.float32) is None
    assert make_layer(text.replace("size: 2", "size: 3"), [(1, 2, 4, 4)], np.float32)._phase_path(np.float32)


@pytest.mark.parametrize(
    "size, kernel, stride, pad", [(7, 8, 4, 2), (3, 4, 2, 1), (6, 6, 2, 4), (3, 2, 3, 1)]
)
def test_every_output_row_lies_in_the_phase_planes(size, kernel, stride, pad):
    axis = PhaseAxis(size, kernel, stride, pad)
    rows = [(y + pad) // stride - axis.origin for y in range(axis.output)]
    assert min(rows) >= 0 and max(rows) < axis.planes
    # the forward convolution's reads stay inside the padded input
    assert axis.planes + axis.taps - 1 <= size + 2 * axis.input_pad
