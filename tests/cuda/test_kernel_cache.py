"""Compiled CUDA kernels are kept on disk: a second process loads them instead of compiling again
(a convnet's kernels took minutes to compile on each start before). The generated GEMM kernels come
from files in the cache folder (kernels/cuda/source_files.py), which is what lets Numba cache them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

# one GEMM of each kind a convnet step uses (plain, split-K with its reduction) and a plain kernel
COMPILE_AND_REPORT = """
import json
import numpy as np
from numba import cuda
from pyrpudl.kernels.cuda import elementwise, gemm
a = cuda.to_device(np.ones((64, 4096), np.float32))
b = cuda.to_device(np.ones((64, 64), np.float32))
gemm.gemm(cuda.device_array((64, 64), np.float32), a, a, False, True, 1.0, 0.0)  # split-K
gemm.gemm(cuda.device_array((64, 64), np.float32), b, b, False, False, 1.0, 0.0)
elementwise.fill(cuda.device_array(1000, np.float32), 1.0)
cuda.synchronize()
kernels = [*gemm._kernels.values(), gemm._reduce_slices, elementwise._fill]
print(json.dumps({
    "hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
    "misses": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    "files": [k.py_func.__code__.co_filename for k in gemm._kernels.values()],
}))
"""


def run_once(tmp_path) -> dict:
    env = dict(
        os.environ, PYRPUDL_CACHE_DIR=str(tmp_path / "sources"), NUMBA_CACHE_DIR=str(tmp_path / "numba")
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", COMPILE_AND_REPORT], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_generated_gemm_kernels_come_from_files_in_the_cache(tmp_path, monkeypatch):
    from pyrpudl.kernels.cuda import gemm, source_files

    monkeypatch.setenv("PYRPUDL_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(source_files, "_modules", {})
    kernel = gemm._make_kernel(gemm.TILE_64x64, False, True, True)
    function = getattr(kernel, "py_func", None) or kernel.fn  # a dispatcher, or the simulator's kernel
    path = Path(function.__code__.co_filename)
    assert path.parent == tmp_path / source_files.FOLDER
    again = gemm._make_kernel(gemm.TILE_64x64, False, True, True)
    assert Path((getattr(again, "py_func", None) or again.fn).__code__.co_filename) == path
    # every GEMM kernel is made so now: a product through them is right
    from numba import cuda

    x = np.arange(16 * 64, dtype=np.float32).reshape(16, 64) / 100
    out = cuda.device_array((16, 16), np.float32)
    gemm.gemm(out, cuda.to_device(x), cuda.to_device(x), False, True, 1.0, 0.0)
    np.testing.assert_allclose(out.copy_to_host(), x @ x.T, rtol=1e-5)


@pytest.mark.gpu
def test_a_second_process_loads_the_compiled_kernels(tmp_path):
    first = run_once(tmp_path)
    assert first["misses"] > 0 and first["hits"] == 0, first
    second = run_once(tmp_path)
    assert second["files"] == first["files"]
    assert second["misses"] == 0 and second["hits"] == first["misses"], second
