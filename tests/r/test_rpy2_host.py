"""pyrpudl.r: R embedded in Python (rpy2), with reticulate attached to that same Python."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_clean

pytestmark = [pytest.mark.r, pytest.mark.usefixtures("requires_r")]
ROUND_TRIP = Path(__file__).with_name("bridge_roundtrip.R")


def run_python(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Each test gets its own process: the embedded R lives as long as the process does."""
    return run_clean([sys.executable, "-c", textwrap.dedent(script)], cwd)


def test_r_code_runs_against_this_python_and_the_process_exits_cleanly(tmp_path):
    result = run_python(
        f"""
        import pyrpudl
        from pyrpudl import r
        pyrpudl.shared_marker = "same process"
        r.source({str(ROUND_TRIP)!r})
        print("marker:", r.run('reticulate::import("pyrpudl")$shared_marker'))
        print("python:", r.run("rpudlInfo()$python$reason"))
        print("matrix:", r.run("matrix(c(1, 2, 3, 4), 2)").tolist())
        try:
            r.run("rpud:::bridge_check(matrix(1:4, 2), 1L)")
        except r.RError as error:
            print("RError:", error)
        r.run("rm(list = ls()); invisible(gc())")  # frees Python objects held by R
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Fatal Python error" not in result.stderr
    out = result.stdout
    assert "ROUND TRIP OK" in out and "x has 3 rows but y has 2 labels" in out
    assert "marker: same process" in out
    assert "python: R runs inside this Python process (rpy2); reticulate attaches to it" in out
    assert "matrix: [[1.0, 3.0], [2.0, 4.0]]" in out
    assert "RError: x has 2 rows but y has 1 labels; give one label per row of x" in out
    assert "bridge: x arrived as a 3x2 float64 matrix" in result.stderr  # message() -> stderr


def test_the_c_stack_check_is_restored_so_deep_recursion_is_an_error_not_a_crash(tmp_path):
    result = run_python(
        """
        from pyrpudl import r
        print("size:", r.run('Cstack_info()[["size"]]'))
        try:
            r.run("options(expressions = 500000); f <- function(n) f(n + 1); f(0)")
        except r.RError as error:
            print("RError:", error)
        print("still alive:", r.run("1 + 1"))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    size = float(result.stdout.split("size:")[1].split()[0])
    assert size > 1e6
    assert "RError: C stack usage" in result.stdout
    assert "still alive: 2.0" in result.stdout


def test_render_an_r_markdown_file_from_python(tmp_path):
    document = "---\ntitle: t\noutput: md_document\n---\n\n```{r}\nrpudlInfo()$device\n```\n"
    (tmp_path / "doc.Rmd").write_text(document)
    result = run_python(
        f"""
        from pyrpudl import r
        print("output:", r.render({str(tmp_path / "doc.Rmd")!r}, output_dir={str(tmp_path / "out")!r}))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    output = tmp_path / "out" / "doc.md"
    assert f"output: {output}" in result.stdout
    assert '## [1] "cpu"' in output.read_text() or '## [1] "cuda"' in output.read_text()


def test_at_exit_reticulates_poller_is_disarmed_before_r_ends(tmp_path):
    # reticulate 1.28's polling thread calls Py_AddPendingCall every 250 ms and, if it wakes after
    # Python has finalized, crashes the process (SIGSEGV after all work is done, ~1 run in 50;
    # see pyrpudl/r/reticulate_poller.py). The exit handler must leave it unable to reach Python.
    result = run_python(
        """
        from pyrpudl import r
        from pyrpudl.r import host, reticulate_poller
        r.run("x <- 1")
        print("armed while R runs:", reticulate_poller.armed(host._reticulate_library))
        host._end()  # what atexit runs; running it again at exit is harmless
        print("armed after the exit handler:", reticulate_poller.armed(host._reticulate_library))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "armed while R runs: True" in result.stdout
    assert "armed after the exit handler: False" in result.stdout
