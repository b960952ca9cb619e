import subprocess
import time

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_a_second_set_up_run_does_nothing_and_is_quick():
    """The test command runs scripts/setup.sh first, so this run finds everything in place."""
    started = time.monotonic()
    result = subprocess.run(
        [ROOT / "scripts" / "setup.sh"], capture_output=True, text=True, timeout=120, check=True
    )
    elapsed = time.monotonic() - started
    lines = result.stdout.splitlines()
    assert "setup: Debian packages: present" in lines
    assert any(line.startswith("setup: Python environment: up to date") for line in lines)
    assert any(line.startswith("setup: R packages: up to date") for line in lines)
    assert any(line.startswith("setup: NumPy 2 environment: up to date") for line in lines)
    assert not any("installing" in line or "creating" in line for line in lines), result.stdout
    assert elapsed < 30, f"a no-op set-up took {elapsed:.1f} s"
