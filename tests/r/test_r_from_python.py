"""vignettes/r_from_python.py: R chunks and R Markdown run from Python with pyrpudl.r (rpy2)."""

import sys
from pathlib import Path

import pytest

from tests.conftest import run_clean

VIGNETTES = Path(__file__).resolve().parents[2] / "vignettes"


@pytest.mark.r
@pytest.mark.usefixtures("requires_r")
def test_r_chunks_and_r_markdown_run_from_python(tmp_path):
    result = run_clean([sys.executable, str(VIGNETTES / "r_from_python.py"), str(tmp_path)], tmp_path,
                       timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "XOR from an R chunk: [0.0, 1.0, 1.0, 0.0]" in result.stdout
    assert "info$device" in (tmp_path / "engine.md").read_text()
