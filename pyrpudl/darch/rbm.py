"""Restricted Boltzmann machines trained with contrastive divergence (CD-k), as darch trains them.

Per batch (contiguous rows, in order, as darch takes them): hidden probabilities from the data, binary
hidden states sampled from them drive the reconstruction, for k steps; the update is

    W_inc = m * W_inc + lr_w * ((v0' h0 - vk' hk) / B - weight_cost * W);  W += W_inc
    b_inc = m * b_inc + lr_b / B * (colSums(v0) - colSums(vk));           b += b_inc

with m = initial momentum up to epoch ``momentum_switch`` and the final momentum after it. Binary
visible units reconstruct probabilities; Gaussian ones (unit variance) their mean, W h + b. The epoch
error is the mean over batches of the squared reconstruction error per example.
"""

import time
from dataclasses import dataclass, field, replace

import numpy as np

from pyrpudl.darch.log import DarchLog, r_number
from pyrpudl.errors import InputError, is_interrupt
from pyrpudl.kernels.cpu import rbm as k

VISIBLE_UNITS = ("binary", "gaussian")


@dataclass
class RBM:
    weights: np.ndarray  # (visible, hidden)
    visible_biases: np.ndarray
    hidden_biases: np.ndarray
    batch_size: int = 1
    learn_rate_weights: float = 0.1
    learn_rate_bias_visible: float = 0.1
    learn_rate_bias_hidden: float = 0.1
    weight_cost: float = 0.0002
    initial_momentum: float = 0.5
    final_momentum: float = 0.9
    momentum_switch: int = 5
    visible_units: str = "binary"
    epochs: int = 0
    errors: list[float] = field(default_factory=list)
    weight_inc: np.ndarray | None = None
    visible_bias_inc: np.ndarray | None = None
    hidden_bias_inc: np.ndarray | None = None
    seed: int = 0  # with ``layer`` and ``draws``, the keys of the sampling hash
    layer: int = 0
    draws: int = 0

    @property
    def num_visible(self) -> int:
        return self.weights.shape[0]

    @property
    def num_hidden(self) -> int:
        return self.weights.shape[1]

    def copy(self) -> "RBM":
        arrays = {
            name: None if getattr(self, name) is None else np.array(getattr(self, name)) for name in ARRAYS
        }
        return replace(self, errors=list(self.errors), **arrays)

    def momentum(self, epoch: int) -> float:
        """darch's schedule: the initial momentum for epochs 1..switch, then the final one."""
        return self.final_momentum if epoch > self.momentum_switch else self.initial_momentum

    def hidden_probabilities(self, data: np.ndarray, rows: int = 4096) -> np.ndarray:
        """sigmoid(data W + b_hidden): what the next RBM of a stack learns from."""
        out = np.empty((data.shape[0], self.num_hidden), self.weights.dtype)
        for start in range(0, data.shape[0], rows):
            part = out[start : start + rows]
            np.matmul(
                np.ascontiguousarray(data[start : start + rows], self.weights.dtype), self.weights, out=part
            )
            k.sigmoid_bias(part, part, self.hidden_biases)
        return out


ARRAYS = ("weights", "visible_biases", "hidden_biases", "weight_inc", "visible_bias_inc", "hidden_bias_inc")


def new_rbm(
    num_visible: int, num_hidden: int, batch_size: int = 1, seed: int = 0, dtype=np.float64, **settings
) -> RBM:
    """An RBM with darch's ``generateWeights`` start: N(0, 0.1^2) weights, zero biases."""
    weights = np.random.default_rng(seed).normal(0.0, 0.1, (num_visible, num_hidden)).astype(dtype)
    zeros = np.zeros
    return RBM(
        weights, zeros(num_visible, dtype), zeros(num_hidden, dtype), batch_size, seed=seed, **settings
    )


@dataclass
class RBMOutcome:
    rbm: RBM
    epochs_done: int
    stopped: str | None = None  # None, "interrupted" or "not finite"


def check_training_data(data: object, num_visible: int, dtype, what: str = "trainData") -> np.ndarray:
    """The data as a C-contiguous matrix of ``dtype``, or an error saying what is wrong with it."""
    array = np.asarray(data)
    if array.ndim != 2:
        raise InputError(f"{what} must be a matrix with one example per row, not {array.ndim}-dimensional")
    if array.dtype.kind not in "fiub":
        raise InputError(f"{what} must be numeric, not {array.dtype}; convert it with data.matrix()")
    if array.shape[0] == 0:
        raise InputError(f"{what} has no rows")
    if array.shape[1] != num_visible:
        raise InputError(
            f"{what} has {array.shape[1]} columns but the network's first layer has {num_visible} units; "
            "give one column per input unit"
        )
    array = np.ascontiguousarray(array, dtype=dtype)
    if not np.all(np.isfinite(array)):
        raise InputError(f"{what} contains NA, NaN or infinite values; remove or impute them first")
    return array


def batch_bounds(rows: int, batch_size: int) -> list[tuple[int, int]]:
    """Contiguous batches of ``batch_size`` rows (the last may be shorter); a batch size larger than
    the data (which crashed darch 0.9.1) gives one batch of all rows."""
    if batch_size < 1:
        raise InputError(f"the batch size must be at least 1, not {batch_size}")
    return [(start, min(start + batch_size, rows)) for start in range(0, rows, batch_size)]


def train_rbm(
    rbm: RBM, data: object, max_epoch: int = 1, num_cd: int = 1, log: DarchLog | None = None
) -> RBMOutcome:
    """``trainRBM``: a new RBM after ``max_epoch`` more epochs of CD-``num_cd``; the given one is kept.

    Ctrl-C or a non-finite error ends training early with the RBM of the last completed epoch.
    """
    log = log or DarchLog.make()
    if int(num_cd) < 1 or int(max_epoch) < 0:
        raise InputError("numCD must be at least 1 and maxEpoch at least 0")
    if rbm.visible_units not in VISIBLE_UNITS:
        raise InputError(
            f"visible units must be one of {', '.join(VISIBLE_UNITS)}, not {rbm.visible_units!r}"
        )
    rbm = rbm.copy()
    data = check_training_data(data, rbm.num_visible, rbm.weights.dtype)
    for name, like in (
        ("weight_inc", "weights"),
        ("visible_bias_inc", "visible_biases"),
        ("hidden_bias_inc", "hidden_biases"),
    ):
        if getattr(rbm, name) is None:
            setattr(rbm, name, np.zeros_like(getattr(rbm, like)))
    log.info(
        f"Starting the training of the rbm with {rbm.num_visible} visible and {rbm.num_hidden} hidden units."
    )
    step = _CDStep(rbm, min(rbm.batch_size, data.shape[0]), int(num_cd))
    bounds = batch_bounds(data.shape[0], rbm.batch_size)
    done, stopped = 0, None
    for _ in range(int(max_epoch)):
        saved = rbm.copy()
        try:
            epoch = rbm.epochs + 1
            started = time.perf_counter()
            error = _epoch(step, data, bounds, rbm.momentum(epoch), epoch, log)
        except BaseException as exc:
            if not is_interrupt(exc):
                raise
            rbm, stopped = saved, "interrupted"
            log.info(f"Training interrupted: keeping the RBM of epoch {rbm.epochs}.")
            break
        if not (np.isfinite(error) and np.all(np.isfinite(rbm.weights))):
            rbm, stopped = saved, "not finite"
            log.warn(f"Epoch {epoch} error is {error}: stopping, keeping the RBM of epoch {rbm.epochs}.")
            break
        rbm.epochs, done = epoch, done + 1
        rbm.errors.append(error)
        log.info(f"Epoch {epoch} error: {r_number(error)}")
        log.debug(f"Epoch {epoch} took {time.perf_counter() - started:.3f} s")
    return RBMOutcome(rbm, done, stopped)


def _epoch(step, data, bounds, momentum, epoch, log) -> float:
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # a non-finite error is handled by the caller
        for j, (start, end) in enumerate(bounds):
            error = step.run(data[start:end], momentum)
            total += error
            log.debug(f"Epoch {epoch} batch {j + 1} error: {r_number(error)}")
    return total / len(bounds)


class _CDStep:
    """One CD-k update of ``rbm`` in place, with buffers reused from batch to batch.

    The data and its reconstruction share one buffer ``vv = [v0; vk]``, and the hidden probabilities
    another, ``hh = [h0; -hk]``, so the weight gradient v0' h0 - vk' hk is one GEMM with twice the
    inner dimension (faster than two on a batch of 100 rows).
    """

    def __init__(self, rbm: RBM, batch: int, num_cd: int):
        dtype = rbm.weights.dtype
        self.rbm, self.num_cd = rbm, num_cd
        self.vv = np.empty((2 * batch, rbm.num_visible), dtype)
        self.hh = np.empty((2 * batch, rbm.num_hidden), dtype)
        self.states = np.empty((batch, rbm.num_hidden), dtype)
        self.gradient = np.empty_like(rbm.weights)

    def run(self, batch: np.ndarray, momentum: float) -> float:
        rbm, n = self.rbm, batch.shape[0]
        vv, hh = self.vv[: 2 * n], self.hh[: 2 * n]
        v0, v, h0, h, states = vv[:n], vv[n:], hh[:n], hh[n:], self.states[:n]
        v0[:] = batch
        np.matmul(v0, rbm.weights, out=h0)
        k.sigmoid_bias_sample(h0, states, h0, rbm.hidden_biases, rbm.seed, rbm.layer, rbm.draws)
        rbm.draws += 1
        for step in range(self.num_cd):
            np.matmul(states, rbm.weights.T, out=v)
            if rbm.visible_units == "gaussian":
                k.add_bias(v, v, rbm.visible_biases)
            else:
                k.sigmoid_bias(v, v, rbm.visible_biases)
            np.matmul(v, rbm.weights, out=h)
            if step + 1 < self.num_cd:
                k.sigmoid_bias_sample(h, states, h, rbm.hidden_biases, rbm.seed, rbm.layer, rbm.draws)
                rbm.draws += 1
            else:
                k.sigmoid_bias(h, h, rbm.hidden_biases)
        _bias_step(rbm.visible_biases, rbm.visible_bias_inc, v0, v, rbm.learn_rate_bias_visible, momentum)
        _bias_step(rbm.hidden_biases, rbm.hidden_bias_inc, h0, h, rbm.learn_rate_bias_hidden, momentum)
        error = k.squared_error_sum(v0, v) / n
        np.negative(h, out=h)
        np.matmul(vv.T, hh, out=self.gradient)
        k.momentum_step(
            rbm.weights, rbm.weight_inc, self.gradient, rbm.learn_rate_weights / n, momentum, rbm.weight_cost * n
        )
        return error


def _bias_step(bias, inc, positive, negative, rate, momentum):
    inc *= momentum
    inc += (rate / positive.shape[0]) * (positive.sum(axis=0) - negative.sum(axis=0))
    bias += inc
