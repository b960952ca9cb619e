import json
import subprocess
import sys

from pyrpudl import cli
from pyrpudl.info import collect, format_info


def test_info_names_the_python_the_threads_and_the_cuda_state():
    info = collect()
    assert info["python"]["executable"] == sys.executable
    assert info["threads"]["threading_layer"] == "forksafe"  # TBB, else workqueue (_numba_setup.py)
    assert info["threads"]["usable_cpus"] >= 1
    assert isinstance(info["cuda"]["available"], bool) and info["cuda"]["reason"]
    text = format_info(info, {"R": "4.2.2"})
    assert "CUDA" in text and "chosen because" in text and "  R              4.2.2" in text


def test_the_command_line_prints_the_report_and_json(capsys):
    assert cli.main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["packages"]["pyrpudl"]
    installed = subprocess.run(
        [sys.executable, "-m", "pyrpudl.cli", "info"], capture_output=True, text=True, check=True
    )
    assert installed.stdout.startswith("pyrpudl ")


def test_no_command_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "info" in capsys.readouterr().out
