"""The pictures: a model's cost curve with its test phase, and its layer times."""

from pyrpudl import plot
from pyrpudl.solver.trainer import train
from tests.solver.conftest import sgd


def test_the_cost_curve_shows_the_test_costs_and_the_last_accuracy(model, tmp_path):
    solver = sgd()
    solver.test_interval = 2
    trained = train(model, batch=4, iterations=4, solver=solver, report=False).model
    picture = plot.cost_curve(trained)
    assert picture.labels.caption == f"test accuracy {trained.test_log[-1][2]:.2%} at iteration 4"
    assert len(picture.layers) == 4  # training points, their smooth, test line and points
    picture.save(tmp_path / "cost.png", width=4, height=3, dpi=60, verbose=False)
    assert (tmp_path / "cost.png").stat().st_size > 2_000
    untested = plot.cost_curve(train(model, batch=4, iterations=2, solver=sgd(), report=False).model)
    assert len(untested.layers) == 2 and not untested.labels.caption


def test_the_layer_times_are_bars_of_every_layer_in_net_order(model, tmp_path):
    from pyrpudl.timing import time_model

    timing = time_model(model, batch=2, iterations=2, device="cpu")
    picture = plot.layer_times(timing)
    frame = picture.data
    first_on_top = [f"{i}. {layer.name}" for i, layer in enumerate(timing.layers, start=1)][::-1]
    assert list(frame["layer"].cat.categories) == first_on_top
    assert frame["ms"].sum() > 0 and picture.labels.title.startswith("LeNet: ")
    picture.save(tmp_path / "times.png", width=4, height=3, dpi=60, verbose=False)
    assert (tmp_path / "times.png").stat().st_size > 2_000
