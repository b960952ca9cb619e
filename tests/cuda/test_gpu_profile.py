"""benchmarks/gpu_profile.py, the per-op profile the next GPU session runs first, on a tiny net: every
op of a training step gets its row, labelled by the layer that called it, and the step still trains.
(In the simulator the events hold no times: this checks the bookkeeping, not the numbers.)"""

import importlib.util
from pathlib import Path

import numpy as np

from pyrpudl.backend import get_backend
from tests.cuda.test_backend_training import solver, tiny  # noqa: F401 (a fixture)

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_profile(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("gpu_profile", BENCHMARKS / "gpu_profile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_op_of_a_step_gets_a_labelled_row(tiny, monkeypatch, capsys):  # noqa: F811
    profile = load_profile(monkeypatch)
    backend = get_backend("cuda")
    run = profile._prepared_run(tiny, backend, 2, solver(), 3)
    before = backend.launches
    run._step()
    launches = backend.launches - before

    rows = profile.profile_step(tiny, 2, solver(), repeats=1)
    assert sum(calls for _, calls, _, _, _ in rows) == launches
    labels = [label for label, *_ in rows]
    assert len(labels) == len(set(labels))
    assert "conv.forward.im2col" in labels and "step._forward_backward.select_batch" in labels
    assert "step._step.scheduled_solver_update" in labels
    gemms = {label.split(" ")[0]: label for label in labels if ".gemm " in label}
    # the convolution's three products, named by the pass that runs them, with their sizes
    assert set(gemms) >= {"conv.forward.gemm", "conv.backward.gemm", "ip1.forward.gemm"}
    assert gemms["conv.forward.gemm"].endswith(" 3x72x18")  # 3 filters, 2 images x 36 positions, 2x3x3
    flops = {label: f for label, _, _, f, _ in rows}
    assert flops[gemms["conv.forward.gemm"]] == 2 * 3 * 72 * 18

    profile.print_table("tiny", rows, 1.0)
    printed = capsys.readouterr().out
    assert f"tiny: {launches} ops a step" in printed
    # the ops were restored: a step outside the profile counts its launches as before
    before = backend.launches
    run._step()
    assert backend.launches - before == launches
    assert np.isfinite(backend.to_host(run.costs)).all()
