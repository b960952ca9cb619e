"""rpud in a plain R process: Rscript and R started in another folder, nothing set in the environment."""

import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_clean

pytestmark = [pytest.mark.r, pytest.mark.usefixtures("requires_r")]
ROUND_TRIP = Path(__file__).with_name("bridge_roundtrip.R")


@pytest.fixture
def elsewhere(tmp_path):
    """A folder outside the checkout holding a .venv of its own, which must not be chosen."""
    venv.create(tmp_path / ".venv", with_pip=False)
    return tmp_path


def test_rscript_from_another_folder_reaches_the_engine(elsewhere):
    result = run_clean(["Rscript", ROUND_TRIP], elsewhere)
    assert result.returncode == 0, result.stderr
    assert "ROUND TRIP OK" in result.stdout
    assert "x has 3 rows but y has 2 labels; give one label per row of x" in result.stdout
    # progress arrives through message(), on stderr in Rscript
    assert "bridge: x arrived as a 3x2 float64 matrix (zero-copy), y as 3 labels" in result.stderr


def test_rpudl_info_in_r_started_from_tmp_names_the_project_environment(elsewhere):
    result = run_clean(["R", "-q", "-e", "library(rpud); rpudlInfo()"], elsewhere)
    assert result.returncode == 0, result.stderr
    assert f"at {ROOT / '.venv' / 'bin' / 'python'}" in result.stdout
    assert "chosen because the set-up script recorded it in" in result.stdout
    assert "CUDA " in result.stdout and "threading layer forksafe" in result.stdout


def test_an_engine_error_is_an_r_error_without_a_python_traceback(elsewhere):
    code = "library(rpud); rpud:::bridge_check(matrix(1:4, 2), 1L)"
    result = run_clean(["Rscript", "-e", code], elsewhere)
    assert result.returncode != 0
    assert "x has 2 rows but y has 1 labels" in result.stderr
    assert "Traceback" not in result.stderr and "py_call_impl" not in result.stderr


def test_a_missing_environment_is_explained(elsewhere):
    code = "library(rpud); rpudlInfo()"
    result = run_clean(["Rscript", "-e", code], elsewhere, RPUD_PYTHON=str(elsewhere / "no" / "python"))
    assert result.returncode != 0
    assert "The Python chosen for rpud does not exist" in result.stderr
    assert "rpudSetPython()" in result.stderr


def test_a_pyproject_in_the_working_folder_does_not_upset_reticulate(elsewhere):
    """reticulate 1.28 warned about Poetry in any folder with a pyproject.toml, our checkout's too."""
    (elsewhere / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n')
    result = run_clean(["Rscript", "-e", "library(rpud); cat(rpudlInfo()$device, '\\n')"], elsewhere)
    assert result.returncode == 0, result.stderr
    assert "cpu" in result.stdout and "Poetry" not in result.stderr + result.stdout
