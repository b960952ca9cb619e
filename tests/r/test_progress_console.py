"""In an interactive console (R or Python, driven in tmux) training shows a live progress bar with the
speed and the current cost; Ctrl-C still stops it cleanly."""

import shutil
import subprocess
import sys
import uuid

import pytest

from tests.conftest import clean_env
from tests.r.test_interrupt import screen, start_session, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("tmux") is None, reason="tmux is not installed (scripts/setup.sh installs it)"
    ),
]

R_TRAIN = (
    'library(rpud); ds <- rpudlCreateDataSource("mnist", "{data}"); '
    'model <- rpudl(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"), ds); '
    "m2 <- rpudlTrain(model, batch = 2, iter = 1000000, display = 20)"
)
PY_TRAIN = (
    "from pyrpudl.rpudl import *; ds = rpudlCreateDataSource('mnist', '{data}'); "
    "model = rpudl('{lenet}', ds); m2 = rpudlTrain(model, batch=2, iter=1000000, display=20)"
)
LENET = "r_wrapper/rpud/inst/rpudl/lenet_train.prototxt"


def console(command: list[str], cwd, typed: str, ready: str) -> str:
    """Start ``command`` in tmux, type ``typed``, wait for the bar, Ctrl-C, return the screen. CI's
    own CI variable is taken away: the bar is for a person's console, not for CI (which turns it off)."""
    session = f"rpud-{uuid.uuid4().hex[:8]}"
    env = clean_env()
    env.pop("CI", None)
    shell = f"env -u CI {command[0]}"  # a tmux server started earlier would pass on its own environment
    start_session(session, shell, env, cwd)
    try:
        wait_for(session, ready)
        subprocess.run(["tmux", "send-keys", "-t", session, typed, "Enter"], check=True)
        shown = wait_for(session, " it/s  cost ")
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=True)
        wait_for(session, "training ends" if command[0].startswith("R ") else "interrupted", seconds=60)
        return shown + screen(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.mark.r
@pytest.mark.usefixtures("requires_r")
def test_rpudltrain_shows_a_live_bar_in_the_r_console(tmp_path):
    from tests.data.files import write_idx_set

    write_idx_set(tmp_path / "mnist", n_train=20, n_test=4)
    shown = console(["R --no-save -q"], tmp_path, R_TRAIN.format(data=tmp_path / "mnist"), ">")
    assert "training @iter 20," in shown and "/1000000 " in shown and "Error" not in shown


def test_python_training_shows_a_live_bar_in_a_terminal(tmp_path):
    from pathlib import Path

    from tests.data.files import write_idx_set

    write_idx_set(tmp_path / "mnist", n_train=20, n_test=4)
    lenet = Path(__file__).resolve().parents[2] / LENET
    typed = PY_TRAIN.format(data=tmp_path / "mnist", lenet=lenet)
    shown = console([f"{sys.executable} -q"], tmp_path, typed, ">>>")
    assert "training @iter 20," in shown and "/1000000 " in shown and "Traceback" not in shown


def test_python_pretraining_shows_a_live_bar_in_a_terminal(tmp_path):
    typed = (
        "import numpy as np; from pyrpudl import darch as dn; x = np.random.rand(40, 5); "
        "d = dn.new_darch([5, 4, 1], 2, log=dn.DarchLog.make(level='WARN')); "
        "o = dn.pretrain(d, x, 10000000, log=dn.DarchLog.make(level='WARN'))"
    )
    session = f"rpud-{uuid.uuid4().hex[:8]}"
    env = clean_env()
    env.pop("CI", None)
    start_session(session, f"env -u CI {sys.executable} -q", env, tmp_path)
    try:
        wait_for(session, ">>>")
        subprocess.run(["tmux", "send-keys", "-t", session, typed, "Enter"], check=True)
        wait_for(session, " epochs/s  error ")
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=True)
        check = "print('BACK', o.stopped, o.darch.rbms[0].epochs > 0)"
        subprocess.run(["tmux", "send-keys", "-t", session, check, "Enter"], check=True)
        shown = wait_for(session, "BACK interrupted True", seconds=60)
        assert "Traceback" not in shown
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
