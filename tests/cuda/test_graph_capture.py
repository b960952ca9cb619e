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
