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
    conv = [["array", "float32", 2, "C"]] * 2 + [["array", "float32", 1, "C"]] + gemm_a[3:]
    entries = [
        {
            "generated": "gemm_64x64_nn_0123456789abcdef",
            "module": "m",
            "name": "kernel",
            "args": gemm_a,
            "launches": 2,
        },
        {
            "generated": "gemm_64x64_tn_0123456789abcdef",
            "module": "m",
            "name": "kernel",
            "args": gemm_a,
            "launches": 1,
        },
        {
            "generated": "gemm_32x128_nn_0123456789abcdef",
            "module": "m",
            "name": "kernel",
            "args": gemm_b,
            "launches": 1,
        },
        {
            "generated": "gemm_32x128_nt_conv_0123456789abcdef",
            "module": "m",
            "name": "kernel",
            "args": conv,
            "launches": 1,
        },
        {"generated": None, "module": "pyrpudl.kernels.cuda.sgd", "name": "k", "args": [], "launches": 1},
    ]
    path = tmp_path / "signatures.json"
    path.write_text(json.dumps(entries))
    variants = list(cuda_compile.gemm_variants())
    # 3 tiles x 4 transposes x split or not, and the vector layout of two tiles; conv_gemm's: not trans_a
    assert sum(not v[-1] for v in variants) == 40 and sum(v[-1] for v in variants) == 20
    cache = cuda_compile.tasks(path, "cache")
    plain = [t for t in cache if t["kind"] == "gemm" and not t["variant"][-1]]
    gathering = [t for t in cache if t["kind"] == "gemm" and t["variant"][-1]]
    assert len(plain) == 2 * 40 and {json.dumps(t["args"]) for t in plain} == {
        json.dumps(gemm_a),
        json.dumps(gemm_b),
    }
    assert len(gathering) == 20 and all(t["args"] == conv for t in gathering)
    assert [t["name"] for t in cache if t["kind"] == "kernel"] == ["k"]
    assert sum(t["kind"] == "gemm" for t in cuda_compile.tasks(path, "ptx")) == 60
    path.write_text(json.dumps(entries[:1] + entries[-1:]))
    with pytest.raises(SystemExit, match="no conv_gemm"):
        cuda_compile.tasks(path, "ptx")
    path.write_text(json.dumps(entries[-1:]))
    with pytest.raises(SystemExit, match="no GEMM"):
        cuda_compile.tasks(path, "ptx")


def test_a_workers_part_reads_back_as_it_was_counted(tmp_path):
    seen = {}
    for value in (BLOCK, BLOCK, 1.5):
        where = {"module": "pyrpudl.kernels.cuda.x", "name": "k", "generated": None}
        key = json.dumps([where, [kernel_signatures.describe(value)]], sort_keys=True)
        seen[key] = seen.get(key, 0) + 1
    part = tmp_path / "signatures.json.gw0"
    assert kernel_signatures._write(part, seen) == 2
    assert kernel_signatures._read(part) == seen
