"""Caffe's six solver types: which one a solver file asks for, Caffe's checks on it, and the
per-step learning-rate factor (Adam's bias correction) the update kernel receives.

A solver prototxt names its type with ``type: "Adam"`` (or the deprecated enum ``solver_type:
ADAM``). Each type keeps one history per parameter (AdaDelta and Adam two); the formulas are in
``kernels/cpu/sgd.py``'s ``solver_update``.
"""

import math

from pyrpudl.errors import InputError
from pyrpudl.net import parse_solver
from pyrpudl.proto import rpudl_model_pb2 as pb

# Caffe's registered names, in the order of its SolverType enum: the code the kernels take.
SOLVER_TYPES = ("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam")

# For a type chosen without a solver file (rpudlTrain(solver.type = ...)): base_lr, momentum and
# delta as Caffe's example solver files for that type set them (AdaGrad and RMSProp take no
# momentum; AdaDelta's rate multiplies an update already scaled to the weights).
TYPE_DEFAULTS = {
    "SGD": (0.001, 0.9, 1e-8),
    "Nesterov": (0.001, 0.9, 1e-8),
    "AdaGrad": (0.01, 0.0, 1e-8),
    "RMSProp": (0.001, 0.0, 1e-8),
    "AdaDelta": (1.0, 0.95, 1e-6),
    "Adam": (0.001, 0.9, 1e-8),
}


def canonical_type(name: str) -> str:
    """Caffe's spelling of solver type ``name`` (any case), or an error listing the known types."""
    for known in SOLVER_TYPES:
        if str(name).lower() == known.lower():
            return known
    raise InputError(f"unknown solver type {name!r}; use one of {', '.join(SOLVER_TYPES)}")


def solver_type(solver: pb.SolverParameter) -> str:
    """The type ``solver`` asks for, after Caffe's checks of its settings for that type."""
    if solver.HasField("solver_type") and solver.HasField("type"):
        raise InputError(
            "the solver gives both solver_type (deprecated) and type; keep only type, "
            f'e.g. type: "{SOLVER_TYPES[solver.solver_type]}"'
        )
    name = SOLVER_TYPES[solver.solver_type] if solver.HasField("solver_type") else canonical_type(solver.type)
    if name in ("AdaGrad", "RMSProp") and solver.momentum != 0:
        raise InputError(f"momentum cannot be used with {name} (Caffe's rule): set momentum to 0")
    if name == "RMSProp" and not 0 <= solver.rms_decay < 1:
        raise InputError(f"rms_decay must lie in [0, 1), not {solver.rms_decay}")
    if name == "Adam" and not (0 <= solver.momentum < 1 and 0 <= solver.momentum2 < 1):
        raise InputError(
            f"Adam needs momentum (beta1) and momentum2 (beta2) in [0, 1), not {solver.momentum} and "
            f"{solver.momentum2}"
        )
    if name in ("AdaGrad", "RMSProp", "AdaDelta", "Adam") and solver.delta <= 0:
        raise InputError(
            f"{name} divides by its history plus delta, so delta must be positive, not {solver.delta}"
        )
    _check_supported(solver)
    return name


def _check_supported(solver: pb.SolverParameter) -> None:
    """A setting that cannot work: say so rather than fail later."""
    if solver.iter_size < 1:
        raise InputError(
            f"iter_size is the number of batches whose gradients each update sums: at least 1, "
            f"not {solver.iter_size}"
        )


def rate_factor(name: str, solver: pb.SolverParameter, step: int) -> float:
    """What the learning rate of update ``step`` (1 for the first update of this history) is
    multiplied by: Adam's bias correction sqrt(1 - beta2^t) / (1 - beta1^t), 1 for the others."""
    if name != "Adam":
        return 1.0
    return math.sqrt(1.0 - solver.momentum2**step) / (1.0 - solver.momentum**step)


def solver_settings(
    solver_file: str | None = None,
    solver_type: str | None = None,
    learning_rate: float | None = None,
    momentum: float | None = None,
    weight_decay: float | None = None,
) -> pb.SolverParameter:
    """The solver of a training call: a solver file's settings, else cifar10_quick's SGD (or, with
    ``solver_type`` alone, Caffe's example settings for that type: TYPE_DEFAULTS); then the
    arguments that are not None."""
    solver = (
        parse_solver(solver_file)
        if solver_file
        else pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    )
    if solver_type is not None:
        solver.ClearField("solver_type")
        solver.type = canonical_type(solver_type)
        if not solver_file:
            solver.base_lr, solver.momentum, solver.delta = TYPE_DEFAULTS[solver.type]
    for field, value in (("base_lr", learning_rate), ("momentum", momentum), ("weight_decay", weight_decay)):
        if value is not None:
            setattr(solver, field, float(value))
    return solver
