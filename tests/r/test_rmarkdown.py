"""rpud inside rmarkdown::render, where knitr captures output (Python's print would not reach it)."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_clean

pytestmark = [pytest.mark.r, pytest.mark.usefixtures("requires_r")]

DOCUMENT = """---
title: "bridge"
output: md_document
---

```{r, code = readLines("bridge_roundtrip.R")}
```
"""


def test_render_runs_the_bridge_and_keeps_progress_in_the_document(tmp_path):
    shutil.copy(Path(__file__).with_name("bridge_roundtrip.R"), tmp_path)
    (tmp_path / "bridge.Rmd").write_text(DOCUMENT)
    result = run_clean(["Rscript", "-e", 'rmarkdown::render("bridge.Rmd", quiet = TRUE)'], tmp_path)
    assert result.returncode == 0, result.stderr
    output = (tmp_path / "bridge.md").read_text()
    assert "ROUND TRIP OK" in output
    assert "x has 3 rows but y has 2 labels" in output
    assert "bridge: x arrived as a 3x2 float64 matrix (zero-copy)" in output  # message() reached knitr
