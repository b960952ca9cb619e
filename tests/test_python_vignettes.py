"""The Python walk-throughs in vignettes/ run (with fewer iterations, as CI runs them) and make what
they promise."""

import sys
from pathlib import Path

import pytest

from tests.conftest import run_clean

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes"


def test_the_python_walk_through_trains_both_seeds_and_draws_plotnine_pictures(tmp_path):
    result = run_clean([sys.executable, str(VIGNETTES / "python_walkthrough.py"), str(tmp_path)], tmp_path,
                       timeout=600, CI="1")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "XOR outputs: [0. 1. 1. 0.]" in result.stdout
    assert "12 test images, predicted right:" in result.stdout
    for picture in ("cost.png", "filters.png", "darch-errors.png"):
        assert (tmp_path / picture).stat().st_size > 2_000


@pytest.mark.r
@pytest.mark.usefixtures("requires_r")
def test_r_chunks_and_r_markdown_run_from_python(tmp_path):
    result = run_clean([sys.executable, str(VIGNETTES / "r_from_python.py"), str(tmp_path)], tmp_path,
                       timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "XOR from an R chunk: [0.0, 1.0, 1.0, 0.0]" in result.stdout
    assert "info$device" in (tmp_path / "engine.md").read_text()
