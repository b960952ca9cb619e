"""benchmarks/kernel_signatures.py writes the argument types of each simulated launch, and
benchmarks/cuda_compile.py compiles kernels for them ahead of the timed runs: the types it builds
must be the ones a real launch is compiled for (what ``numba.typeof`` gives), or the disk cache it
fills is never hit."""

import json
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import cuda_compile  # noqa: E402
import kernel_signatures  # noqa: E402

BLOCK = np.zeros((4, 6), np.float32)
VALUES = [
    BLOCK,  # C-contiguous
    np.asfortranarray(BLOCK),
    BLOCK[:, 1:3],  # strided: layout A
    BLOCK[1],  # a row: contiguous again
    np.arange(5, dtype=np.int32),
    np.zeros(3, np.uint8),
    np.zeros((2, 2, 2, 2), np.float64)[:, :, ::2],
    1,
    2.5,
    True,
    np.float32(0.5),
    np.int64(3),
    (1, 2, 3),
    (1, 2.0),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__ + str(getattr(v, "shape", "")))
def test_a_described_argument_becomes_the_type_a_launch_compiles_for(value):
    described = json.loads(json.dumps(kernel_signatures.describe(value)))  # through the file's JSON
    assert cuda_compile.numba_type(described) == numba.typeof(value)


def test_an_argument_with_no_numba_type_is_named():
    with pytest.raises(TypeError, match="dict"):
        kernel_signatures.describe({"a": 1})


def test_every_gemm_variant_is_compiled_for_each_gemm_signature_and_ptx_checks_one(tmp_path):
    gemm_a = [["array", "float32", 2, "C"]] * 3 + [["scalar", "float32"]] * 2
    gemm_b = [["array", "float32", 2, "A"]] + gemm_a[1:]
    entries = [
        {"generated": "gemm_64x64_nn", "module": "m", "name": "kernel", "args": gemm_a, "launches": 2},
        {"generated": "gemm_64x64_tn", "module": "m", "name": "kernel", "args": gemm_a, "launches": 1},
        {"generated": "gemm_32x128_nn", "module": "m", "name": "kernel", "args": gemm_b, "launches": 1},
        {"generated": None, "module": "pyrpudl.kernels.cuda.sgd", "name": "k", "args": [], "launches": 1},
    ]
    path = tmp_path / "signatures.json"
    path.write_text(json.dumps(entries))
    variants = len(list(cuda_compile.gemm_variants()))
    assert variants == 40  # 3 tiles x 4 transposes x split or not, and the vector layout of two tiles
    cache = cuda_compile.tasks(path, "cache")
    assert sum(t["kind"] == "gemm" for t in cache) == 2 * variants
    assert [t["name"] for t in cache if t["kind"] == "kernel"] == ["k"]
    assert sum(t["kind"] == "gemm" for t in cuda_compile.tasks(path, "ptx")) == variants
    path.write_text(json.dumps(entries[-1:]))
    with pytest.raises(SystemExit, match="no GEMM"):
        cuda_compile.tasks(path, "ptx")
