import math

import pytest

from pyrpudl.errors import InputError
from pyrpudl.net import parse_solver
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver import learning_rate
from tests.net.test_prototxt import CAFFE


def solver(**fields) -> pb.SolverParameter:
    values = {"base_lr": 0.1} | fields
    stepvalue = values.pop("stepvalue", [])
    message = pb.SolverParameter(**values)
    message.stepvalue.extend(stepvalue)
    return message


@pytest.mark.parametrize(
    "fields, iteration, expected",
    [
        ({"lr_policy": "fixed"}, 500, 0.1),
        ({"lr_policy": "step", "gamma": 0.5, "stepsize": 100}, 250, 0.1 * 0.5**2),
        ({"lr_policy": "exp", "gamma": 0.99}, 10, 0.1 * 0.99**10),
        ({"lr_policy": "inv", "gamma": 1e-4, "power": 0.75}, 1000, 0.1 * (1 + 0.1) ** -0.75),
        ({"lr_policy": "multistep", "gamma": 0.1, "stepvalue": [10, 20]}, 20, 0.1 * 0.1**2),
        ({"lr_policy": "multistep", "gamma": 0.1, "stepvalue": [10, 20]}, 19, 0.1 * 0.1),
        ({"lr_policy": "poly", "power": 2.0, "max_iter": 100}, 25, 0.1 * 0.75**2),
        ({"lr_policy": "sigmoid", "gamma": 0.1, "stepsize": 50}, 60, 0.1 / (1 + math.exp(-1.0))),
    ],
)
def test_each_policy_follows_caffes_formula(fields, iteration, expected):
    assert learning_rate(solver(**fields), iteration) == pytest.approx(expected, rel=1e-6)


def test_lenet_solver_uses_inv():
    lenet = parse_solver(CAFFE / "lenet_solver.prototxt")
    assert learning_rate(lenet, 0) == pytest.approx(0.01)
    assert learning_rate(lenet, 10000) == pytest.approx(0.01 * 2.0**-0.75, rel=1e-6)


def test_bad_policies_say_what_is_missing():
    with pytest.raises(InputError, match="unknown lr_policy 'cosine'; choose one of fixed"):
        learning_rate(solver(lr_policy="cosine"), 1)
    with pytest.raises(InputError, match="'step' needs a positive stepsize"):
        learning_rate(solver(lr_policy="step", gamma=0.1), 1)
