"""The CUDA conv_gemm (the column matrix gathered through its tables as the tiles load it) against
its CPU twin, which builds the matrix and multiplies (tests/kernels/test_cpu_conv_gemm.py checks
that against im2col): padding, stride and dilation, both products a convolution makes of its
columns (forward, weight gradient), alpha and beta, split-K, each tile, and a group's row slice.
Shapes stay tiny for the simulator."""

import numpy as np
import pytest

from pyrpudl.net.layers.implicit_columns import column_table, output_size, row_table
from pyrpudl.net.shapes import Window
from tests.cuda.conftest import assert_close, poisoned


def run_both(image_shape, window, outputs, trans_b, alpha=1.0, beta=0.0, seed=0, row_slice=slice(None)):
    from numba import cuda

    from pyrpudl.kernels.cpu.gemm import conv_gemm as cpu_conv_gemm
    from pyrpudl.kernels.cuda.gemm import conv_gemm

    rng = np.random.default_rng(seed)
    n, c, h, w = image_shape
    image = rng.standard_normal(image_shape).astype(np.float32).ravel()
    rows = row_table(window, c, h, w)[row_slice]
    columns = column_table(window, n, c, h, w)
    a = rng.standard_normal((outputs, len(columns) if trans_b else len(rows))).astype(np.float32)
    c_shape = (outputs, len(rows) if trans_b else len(columns))
    start = rng.standard_normal(c_shape).astype(np.float32)
    expected = start.copy()
    cpu_conv_gemm(expected, a, image, rows, columns, h, w, trans_b, alpha, beta)
    out = cuda.to_device(start) if beta else poisoned(c_shape)
    conv_gemm(out, cuda.to_device(a), cuda.to_device(image), cuda.to_device(rows), cuda.to_device(columns),
              h, w, trans_b, alpha, beta)  # fmt: skip
    return out.copy_to_host(), expected


@pytest.mark.parametrize("trans_b", [False, True], ids=["forward", "weight-gradient"])
@pytest.mark.parametrize(
    "window",
    [Window(3, 3, 1, 1), Window(3, 2, 0, 1, 2, 1), Window(3, 3, 2, 2, 1, 1, 2, 2)],
    ids=["pad", "stride", "dilation"],
)
def test_the_gathered_product_equals_the_cpu_twin(window, trans_b):
    out, expected = run_both((2, 2, 6, 5), window, 5, trans_b)
    assert_close(out, expected)


def test_alpha_and_beta():
    out, expected = run_both((2, 2, 6, 5), Window(3, 3, 1, 1), 5, True, alpha=-0.5, beta=1.5, seed=1)
    assert_close(out, expected)


def test_split_k_over_the_positions_of_a_weight_gradient():
    from pyrpudl.kernels.cuda import gemm

    window, shape = Window(3, 3, 1, 1), (2, 1, 10, 10)
    positions = 2 * np.prod(output_size(window, 10, 10))
    assert gemm.plan(4, 9, positions)[1] > 1  # K = 200 positions, cut into slices
    out, expected = run_both(shape, window, 4, True, seed=2)
    assert_close(out, expected)


def test_a_group_reads_its_slice_of_the_rows():
    out, expected = run_both((1, 4, 5, 5), Window(3, 3, 1, 1), 3, False, seed=3, row_slice=slice(18, 36))
    assert_close(out, expected)


def test_the_kernel_source_gathers_through_the_tables():
    from pyrpudl.kernels.cuda import gemm

    source = gemm._module_source(gemm.TILE_32x128, False, True, False, conv=True)
    assert "def kernel(c, a, image, rows, columns, height, width, alpha, beta, part, slice_k):" in source
    assert "load_b(image, rows, bn + 0, g_off" in source  # op(b) = col.T: its n picks the row of col
    assert "g_off = columns[gk, 0]" in source  # and its k the column, read once a slab
    assert "b[n, k]" not in source and "load_b(b," not in source


TWO_CONVOLUTIONS = """
name: "two_convolutions"
layer { name: "data" type: "Data" top: "data" top: "label" transform_param { scale: 0.01 } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.3 }
                      bias_filler { type: "constant" value: 0.1 } } }
layer { name: "relu" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
  convolution_param { num_output: 4 kernel_size: 3 stride: 2 group: 2 dilation: 1
                      weight_filler { type: "gaussian" std: 0.3 } } }
layer { name: "ip" type: "InnerProduct" bottom: "conv2" top: "ip"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
"""


def test_a_net_trains_alike_with_gathered_columns_and_on_the_cpu(tmp_path, monkeypatch):
    from pyrpudl.model import create_model
    from pyrpudl.solver.trainer import train
    from tests.cuda.test_backend_training import solver, source

    path = tmp_path / "two_convolutions.prototxt"
    path.write_text(TWO_CONVOLUTIONS)
    model = create_model(path, source(), seed=4)
    on_cpu = train(model, 2, 2, solver(), report=False, display=1, device="cpu").model
    monkeypatch.setenv("PYRPUDL_CONV_COLUMNS", "implicit")
    gathered = train(model, 2, 2, solver(), report=False, display=1, device="cuda").model
    assert_close(gathered.cost_log, on_cpu.cost_log)
    assert_close(gathered.params.data, on_cpu.params.data)
    assert not np.array_equal(gathered.params.data, model.params.data), "training changed nothing"


def test_an_unknown_setting_is_named(monkeypatch):
    from pyrpudl.errors import InputError
    from pyrpudl.net.layers import implicit_columns

    monkeypatch.setenv("PYRPUDL_CONV_COLUMNS", "sideways")
    with pytest.raises(InputError, match="PYRPUDL_CONV_COLUMNS is 'sideways'.*'explicit'.*'implicit'"):
        implicit_columns.wanted()


@pytest.mark.gpu
@pytest.mark.parametrize(
    ("image_shape", "window", "outputs"),
    [
        ((100, 3, 32, 32), Window(5, 5, 2, 2), 32),
        ((100, 32, 16, 16), Window(5, 5, 2, 2), 32),
        ((100, 32, 8, 8), Window(5, 5, 2, 2), 64),
    ],
    ids=["conv1", "conv2", "conv3"],
)
@pytest.mark.parametrize("trans_b", [False, True], ids=["forward", "weight-gradient"])
def test_cifar10_quicks_products_on_a_gpu(image_shape, window, outputs, trans_b):
    out, expected = run_both(image_shape, window, outputs, trans_b, seed=5)
    assert_close(out, expected)
    out, expected = run_both(image_shape, window, outputs, trans_b, alpha=0.5, beta=1.0, seed=6)
    assert_close(out, expected)
