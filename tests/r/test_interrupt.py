"""Ctrl-C in an interactive R session stops training and keeps the model of the last iteration."""

import shutil
import subprocess
import time
import uuid

import pytest

from tests.conftest import clean_env

pytestmark = [pytest.mark.r, pytest.mark.usefixtures("requires_r")]

TRAIN = (
    'library(rpud); ds <- rpudlCreateDataSource("mnist", "{data}"); '
    'model <- rpudl(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"), ds); '
    "m2 <- rpudlTrain(model, batch = 2, iter = 1000000, display = 50)"
)


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-t", session, "-p", "-S", "-200"],
                          capture_output=True, text=True).stdout  # fmt: skip


def start_session(session: str, shell: str, env: dict, cwd) -> None:
    """A detached 200 x 50 tmux session running ``shell``. When the previous test's session was the
    server's last, the server may still be exiting as this one connects ("server exited
    unexpectedly", seen once in CI): then wait for it to go and start again."""
    command = ["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50", shell]
    for attempt in range(3):
        started = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        if started.returncode == 0:
            return
        if "server exited unexpectedly" not in started.stderr or attempt == 2:
            raise AssertionError(f"tmux did not start {shell!r}: {started.stderr.strip()}")
        time.sleep(1)


def wait_for(session: str, text: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.5)
    raise AssertionError(f"{text!r} did not appear; the screen shows:\n{screen(session)}")


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (scripts/setup.sh installs it)"
)
def test_ctrl_c_during_rpudltrain_returns_the_trained_model(tmp_path):
    from tests.data.files import write_idx_set

    write_idx_set(tmp_path / "mnist", n_train=20, n_test=4)
    session = f"rpud-{uuid.uuid4().hex[:8]}"
    env = clean_env()
    start_session(session, "R --no-save -q", env, tmp_path)
    try:
        wait_for(session, ">")
        subprocess.run(
            ["tmux", "send-keys", "-t", session, TRAIN.format(data=tmp_path / "mnist"), "Enter"], check=True
        )
        wait_for(session, "training @iter 100,")
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=True)
        try:
            wait_for(session, "training ends with average cost", seconds=30)
        except AssertionError:
            subprocess.run(
                ["tmux", "send-keys", "-t", session, "print(rpudLastError())", "Enter"], check=True
            )
            time.sleep(3)
            raise AssertionError(screen(session)) from None
        subprocess.run(
            ["tmux", "send-keys", "-t", session, 'cat("LOG", length(m2$cost.log), "\\n")', "Enter"],
            check=True,
        )
        shown = wait_for(session, "LOG ")
        logged = int(shown.split("LOG ")[-1].split()[0])
        assert 100 <= logged < 1_000_000  # the model exists, with the iterations done before Ctrl-C
        assert "Error" not in shown
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
