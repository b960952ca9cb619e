"""The Python walk-throughs in vignettes/ run (with fewer iterations, as CI runs them) and make what
they promise."""

import sys
from pathlib import Path

from tests.conftest import run_clean

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes"


def test_the_python_walk_through_trains_both_seeds_and_draws_plotnine_pictures(tmp_path):
    result = run_clean([sys.executable, str(VIGNETTES / "python_walkthrough.py"), str(tmp_path)], tmp_path,
                       timeout=600, CI="1")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "XOR outputs: [0. 1. 1. 0.]" in result.stdout
    assert "12 test images, predicted right:" in result.stdout
    assert "the same predictions from the .caffemodel: True" in result.stdout
    assert "the same predictions from the deploy net: True" in result.stdout
    for picture in ("cost.png", "filters.png", "darch-errors.png"):
        assert (tmp_path / picture).stat().st_size > 2_000
