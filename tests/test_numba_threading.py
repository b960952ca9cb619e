"""The threading layer must survive fork(): R's parallel::mclapply forks the process R runs in."""

import os
import subprocess
import sys
import textwrap

from pyrpudl import _numba_setup
from tests.conftest import clean_env


def test_importing_pyrpudl_selects_the_fork_safe_layer_and_a_forked_child_can_run_kernels():
    script = textwrap.dedent(
        """
        import os
        import numpy as np
        import pyrpudl
        import numba
        from pyrpudl.kernels.cpu.transform import transform_u8

        pixels = np.full((64, 256), 7, dtype=np.uint8)
        mean = np.ones(256, dtype=np.float32)
        out = np.empty((64, 256), dtype=np.float32)
        transform_u8(out, pixels, mean, np.float32(1.0))  # starts the thread pool
        print(numba.threading_layer())
        pid = os.fork()
        if pid == 0:
            transform_u8(out, pixels, mean, np.float32(2.0))
            os._exit(0 if out[0, 0] == 12.0 else 1)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=clean_env()
    )
    assert result.returncode == 0, result.stderr
    # TBB where the environment has the tbb wheel (a dependency on x86-64), else workqueue
    tbb = os.path.exists(os.path.join(sys.prefix, "lib", _numba_setup.TBB_LIBRARY))
    assert result.stdout.split() == ["tbb" if tbb else "workqueue", "child", "0"]


def test_a_users_own_threading_layer_is_kept():
    result = subprocess.run(
        [sys.executable, "-c", "import pyrpudl, numba; print(numba.config.THREADING_LAYER)"],
        capture_output=True,
        text=True,
        env=clean_env(NUMBA_THREADING_LAYER="omp"),
        check=True,
    )
    assert result.stdout.strip() == "omp"


def test_tbb_is_loaded_only_from_the_environment_and_only_when_it_loads(tmp_path, monkeypatch):
    # without it, Numba's "forksafe" choice takes workqueue
    monkeypatch.setattr(sys, "prefix", str(tmp_path))  # no lib/libtbb.so.12 there
    assert not _numba_setup._load_environment_tbb()
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / _numba_setup.TBB_LIBRARY).write_bytes(b"not a library")
    assert not _numba_setup._load_environment_tbb()  # one that does not load is passed over
