"""CudaBackend.capture's bookkeeping around CUDA's stream capture, with the driver's four calls
stood in for (the simulator has no graphs; a real GPU runs the real ones in test_backend_training's
and test_rbm's gpu tests): whatever stops the recorded step, the capture is ended, or every later
call on the stream would fail."""

import pytest

from pyrpudl.backend import get_backend

driver = pytest.importorskip("cuda.bindings.driver", reason="CUDA Python comes with the cuda extra")

OK = driver.CUresult.CUDA_SUCCESS


@pytest.fixture
def calls(monkeypatch):
    made = []

    def record(name, *values):
        def call(*args):
            made.append(name)
            return (OK, *values)

        monkeypatch.setattr(driver, name, call)

    record("cuStreamBeginCapture")
    record("cuStreamEndCapture", "graph")
    record("cuGraphInstantiate", "executable")
    monkeypatch.setattr(driver, "cuGraphExecDestroy", lambda *a: (OK,))
    monkeypatch.setattr(driver, "cuGraphDestroy", lambda *a: (OK,))
    return made


def test_a_recorded_step_becomes_a_graph(calls):
    graph = get_backend("cuda").capture(lambda: None)
    assert graph is not None and graph.executable == "executable"
    assert calls == ["cuStreamBeginCapture", "cuStreamEndCapture", "cuGraphInstantiate"]


def test_a_failing_step_ends_the_capture_and_says_why(calls):
    backend = get_backend("cuda")

    def step():
        raise ValueError("an op allocated memory")

    assert backend.capture(step) is None
    assert calls == ["cuStreamBeginCapture", "cuStreamEndCapture"]
    assert "an op allocated memory" in backend.capture_error


def test_an_interrupt_while_recording_ends_the_capture_and_goes_on(calls):
    def step():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        get_backend("cuda").capture(step)
    assert calls == ["cuStreamBeginCapture", "cuStreamEndCapture"]


def test_recorded_steps_run_record_then_replay(calls, monkeypatch):
    """RecordedSteps (the trainer's and darch's batches): a key's first step runs and is recorded,
    later ones replay; a failed recording turns recording off."""
    from pyrpudl.backend import RecordedSteps

    backend = get_backend("cuda")
    monkeypatch.setattr(backend, "graphs_enabled", lambda: True)
    replays = []
    monkeypatch.setattr(backend, "replay", lambda graph: replays.append(graph.executable))
    ran = []
    steps = RecordedSteps(backend)
    for key in ("a", "a", "a", "b"):
        steps.run(key, lambda key=key: ran.append(key))
    assert ran == ["a", "a", "b", "b"]  # each new key: run, then run under capture (records only)
    assert replays == ["executable", "executable"]

    def failing():
        ran.append("c")
        if calls[-1] == "cuStreamBeginCapture":  # the recording, not the first run
            raise ValueError("an op allocated memory")

    steps.run("c", failing)
    assert not steps.recording and "c" not in steps.graphs
    steps.run("d", lambda: ran.append("d"))
    assert ran[-3:] == ["c", "c", "d"]  # no recording tried for "d"
    assert not RecordedSteps(backend, enabled=False).recording
