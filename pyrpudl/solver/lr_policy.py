"""Caffe's learning-rate policies (SGDSolver::GetLearningRate), as a function of the iteration."""

import math

from pyrpudl.errors import InputError
from pyrpudl.proto import rpudl_model_pb2 as pb

LR_POLICIES = ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid")


def learning_rate(solver: pb.SolverParameter, iteration: int) -> float:
    """The rate at ``iteration`` (0-based, the number of updates done so far), as Caffe computes it.

    fixed: base_lr; step: base_lr gamma^floor(iter / stepsize); exp: base_lr gamma^iter;
    inv: base_lr (1 + gamma iter)^-power; multistep: base_lr gamma^(steps passed in stepvalue);
    poly: base_lr (1 - iter / max_iter)^power; sigmoid: base_lr / (1 + exp(-gamma (iter - stepsize))).
    """
    policy = solver.lr_policy or "fixed"
    base, gamma, power = solver.base_lr, solver.gamma, solver.power
    if policy == "fixed":
        return base
    if policy == "step":
        _require(solver, "stepsize", policy)
        return base * gamma ** (iteration // solver.stepsize)
    if policy == "exp":
        return base * gamma**iteration
    if policy == "inv":
        return base * (1.0 + gamma * iteration) ** (-power)
    if policy == "multistep":
        passed = sum(1 for value in solver.stepvalue if iteration >= value)
        return base * gamma**passed
    if policy == "poly":
        _require(solver, "max_iter", policy)
        return base * (1.0 - iteration / solver.max_iter) ** power
    if policy == "sigmoid":
        _require(solver, "stepsize", policy)
        return base / (1.0 + math.exp(-gamma * (iteration - solver.stepsize)))
    raise InputError(f"unknown lr_policy {policy!r}; choose one of {', '.join(LR_POLICIES)}")


def _require(solver: pb.SolverParameter, field: str, policy: str) -> None:
    if getattr(solver, field) <= 0:
        raise InputError(f"lr_policy {policy!r} needs a positive {field}")
