import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def r_ready() -> bool:
    """R is installed and the rpud package with it (scripts/setup.sh installs both)."""
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", 'cat(nzchar(system.file(package = "rpud")))'], capture_output=True, text=True
    )
    return probe.stdout.strip() == "TRUE"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user who set nothing: no Python choice, no virtualenv, no NumPy threads."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RETICULATE_PYTHON", "RPUD_PYTHON", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        and not key.startswith(("NUMBA_", "PYRPUDL_"))
    }
    env.update(extra)
    return env


@pytest.fixture
def model(tmp_path):
    """Caffe's LeNet on 12 random MNIST-format training images and 4 test images."""
    from pyrpudl.data import create_data_source
    from pyrpudl.model import create_model
    from tests.data.files import write_idx_set
    from tests.solver.conftest import LENET

    write_idx_set(tmp_path, n_train=12, n_test=4)
    return create_model(LENET, create_data_source("mnist", tmp_path, download=False), seed=1)


@pytest.fixture(scope="session")
def requires_r():
    if not r_ready():
        pytest.skip("R with the rpud package is not installed (run scripts/setup.sh)")


PYTHON = sys.executable


def run_clean(command: list, cwd: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """Run ``command`` in ``cwd`` as a user who set nothing would (see :func:`clean_env`)."""
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=clean_env(**env), timeout=timeout
    )
