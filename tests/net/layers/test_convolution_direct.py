"""The CPU's convolution without im2col (convolution_direct.py) against the batch im2col path,
which the float64 tests check against the slow reference and finite differences; and the
micro-kernel's forward against that reference directly."""

import numpy as np
import pytest

from tests import reference
from tests.net.layers.test_convolution import CASES, conv

GEOMETRIES = {
    **CASES,
    "5x5 pad 2 (cifar10_quick)": ("num_output: 32 kernel_size: 5 pad: 2", (3, 8, 16, 16)),
    "LeNet conv2 (scatter input gradient)": ("num_output: 50 kernel_size: 5", (2, 20, 12, 12)),
    "12 columns: a partial run of 8": ("num_output: 9 kernel_size: 5 pad: 2", (2, 3, 12, 12)),
    "7 outputs (a partial block of 6), rows of 13": ("num_output: 7 kernel_size: 3 pad: 1", (3, 4, 5, 13)),
    "row stride 2 only": ("num_output: 4 kernel_size: 3 stride_h: 2 stride_w: 1 pad: 1", (2, 3, 9, 9)),
    "kernel 9 wide": ("num_output: 3 kernel_h: 1 kernel_w: 9 pad_h: 0 pad_w: 4", (2, 2, 4, 10)),
    "dilated columns": ("num_output: 17 kernel_size: 3 dilation: 2 pad: 2", (3, 3, 7, 9)),
    "pad beyond the kernel (scatter input gradient)": ("num_output: 3 kernel_size: 3 pad: 3", (2, 2, 5, 5)),
    "groups with 5x5": ("num_output: 8 kernel_size: 5 pad: 2 group: 2", (2, 4, 8, 8)),
    # the scatter input gradient: an odd count of runs (a zero row pairs them), row strides with
    # dilation and groups, outputs of one column
    "odd runs: 3 rows of 8": ("num_output: 5 kernel_size: 3", (2, 3, 5, 10)),
    "row stride 3, dilation, groups": (
        "num_output: 6 kernel_size: 3 stride_h: 3 stride_w: 1 dilation: 2 pad: 1 group: 3",
        (2, 6, 11, 9),
    ),
    "one output column": ("num_output: 7 kernel_h: 2 kernel_w: 4", (3, 2, 6, 4)),
}


def pair(params, shape, seed=5):
    """The same layer twice (shared weights): direct, and on the batch im2col path."""
    direct = conv(params, shape, np.float32)
    batch = conv(params, shape, np.float32)
    for mine, theirs in zip(batch.params, direct.params, strict=True):
        mine[...] = theirs
    batch.direct = False
    rng = np.random.default_rng(seed)
    image = rng.standard_normal(shape).astype(np.float32)
    return direct, batch, image, rng


@pytest.mark.parametrize("params, shape", GEOMETRIES.values(), ids=GEOMETRIES.keys())
@pytest.mark.parametrize("train", [True, False], ids=["training", "inference"])
def test_forward_equals_the_batch_path(params, shape, train):
    direct, batch, image, _ = pair(params, shape)
    got = direct.forward([image], train)[0]
    np.testing.assert_allclose(got, batch.forward([image], True)[0], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("params, shape", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_gradients_equal_the_batch_path(params, shape):
    direct, batch, image, rng = pair(params, shape)
    top = direct.forward([image], True)[0].copy()
    batch.forward([image], True)
    diff = rng.standard_normal(top.shape).astype(np.float32)
    got = direct.backward([diff], [image], [top])[0]
    want = batch.backward([diff], [image], [top])[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    for mine, theirs in zip(direct.grads, batch.grads, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-4)


def test_each_geometry_takes_the_input_gradient_form_it_suits():
    def direct_of(name):
        params, shape = GEOMETRIES[name]
        return conv(params, shape, np.float32)._direct

    cifar = direct_of("5x5 pad 2 (cifar10_quick)")
    assert cifar.forward_ok and cifar.flipped_ok
    assert not direct_of("pad and stride").forward_ok
    for scatter in ("pad beyond the kernel", "LeNet conv2", "odd runs: 3 rows of 8", "row stride 2 only"):
        name = next(key for key in GEOMETRIES if key.startswith(scatter))
        assert direct_of(name).forward_ok and not direct_of(name).flipped_ok, name


def test_a_backward_pass_uses_its_own_bottom_not_the_last_one_padded():
    params, shape = GEOMETRIES["5x5 pad 2 (cifar10_quick)"]
    direct, _, image, rng = pair(params, shape)
    top = direct.forward([image], True)[0].copy()
    diff = rng.standard_normal(top.shape).astype(np.float32)
    want = [direct.backward([diff], [image], [top])[0].copy(), *[g.copy() for g in direct.grads]]
    other = rng.standard_normal(image.shape).astype(np.float32)
    direct.forward([other], True)  # the padded buffer now holds another batch
    got = [direct.backward([diff], [image], [top])[0], *direct.grads]
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_the_micro_kernel_forward_matches_the_slow_reference():
    layer = conv("num_output: 13 kernel_size: 5 pad: 2 dilation: 1", (2, 5, 9, 19), np.float32)
    image = np.random.default_rng(8).standard_normal((2, 5, 9, 19)).astype(np.float32)
    w = layer.window
    weights, bias = (p.astype(np.float64) for p in layer.params)
    want = reference.conv2d(
        image.astype(np.float64), weights, bias, (w.ph, w.pw), (w.sh, w.sw), (w.dh, w.dw), 1
    )
    np.testing.assert_allclose(layer.forward([image], True)[0], want, rtol=1e-4, atol=1e-4)
