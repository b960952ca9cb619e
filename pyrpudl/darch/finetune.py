"""Pretraining and fine-tuning a DArch, with darch's log lines and statistics.

Both return a new DArch. Ctrl-C or a non-finite error ends them early: the DArch of the last
completed epoch comes back, with ``stopped`` saying why.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyrpudl.darch import device_tune
from pyrpudl.darch.error_functions import error_function
from pyrpudl.darch.guard import EpochGuard
from pyrpudl.darch.log import DarchLog, r_number
from pyrpudl.darch.model import DArch, check_darch_data, final_output, layer_of
from pyrpudl.darch.rbm import batch_bounds, rbm_backend, train_rbm
from pyrpudl.darch.tuners import TUNERS, output_delta_is_exact
from pyrpudl.errors import InputError, is_interrupt


@dataclass
class Outcome:
    darch: DArch
    epochs_done: int
    stopped: str | None = None  # None, "interrupted", "not finite" or "criterion"


def pretrain(
    darch: DArch, data: object, max_epoch: int = 1, num_cd: int = 1, log: DarchLog | None = None,
    device: str | None = None,
) -> Outcome:  # fmt: skip
    """``preTrainDArch``: each RBM in turn, on the hidden probabilities of the one below it; the
    network's layers take the trained weights (hidden biases as the last row), keeping their units.
    ``device`` as in :func:`~pyrpudl.darch.rbm.train_rbm` (single-precision RBMs may train on CUDA).

    Parameters
    ----------
    darch
        The network; it is left as it was.
    data
        Training inputs, one example per row.
    max_epoch, num_cd
        Epochs per RBM, and Gibbs steps per update (CD-k).
    log
        darch's log lines (default: the network's log level, printed).
    device
        "cpu", "cuda" or "auto"; None: ``$PYRPUDL_DEVICE``, else auto.

    Returns
    -------
    Outcome
        The pretrained copy, the epochs done, and why it stopped early (None when it did not).
    """
    log = log or DarchLog.make(level=darch.log_level)
    darch = darch.copy()
    x = check_darch_data(darch, data, "trainData")
    log.info("Start DArch pre-training")
    log.progress_total = int(max_epoch) * len(darch.rbms)
    try:
        for i, rbm in enumerate(darch.rbms):
            log.progress_offset = i * int(max_epoch)
            rbm.batch_size = darch.batch_size
            outcome = train_rbm(rbm, x, max_epoch, num_cd, log, device)
            # on disk, the RBM trained views of its layer's file in place; one assignment either way
            layer = darch.layers[i] if darch.on_disk else layer_of(outcome.rbm, darch.layers[i].unit)
            darch.rbms[i], darch.layers[i] = outcome.rbm, layer
            if outcome.stopped:
                return Outcome(darch, outcome.epochs_done, outcome.stopped)
            if i + 1 < len(darch.rbms):
                x = outcome.rbm.hidden_probabilities(x, _output_file(darch, i))
    except BaseException as exc:  # Ctrl-C between RBMs: the RBMs trained so far count
        if not is_interrupt(exc):
            raise
        log.close()
        return Outcome(darch, 0, "interrupted")
    log.info("Pre-training finished")
    return Outcome(darch, int(max_epoch))


def _output_file(darch: DArch, i: int) -> Path | None:
    """Where the outputs of RBM ``i`` go, for the next RBM to learn from: a file with ff = TRUE."""
    return Path(darch.ff_dir) / f"outputs{i + 1}.npy" if darch.on_disk else None


def check_targets(targets: object, rows: int, outputs: int, dtype, what: str) -> np.ndarray:
    t = np.asarray(targets)
    if t.ndim == 1:
        t = t.reshape(-1, 1)
    if t.ndim != 2 or t.shape != (rows, outputs):
        raise InputError(
            f"{what} must be a matrix of {rows} rows (one per example) and {outputs} columns (one per "
            f"output unit), not {' x '.join(map(str, np.asarray(targets).shape))}"
        )
    if t.dtype.kind not in "fiub" or not np.all(np.isfinite(t)):
        raise InputError(f"{what} must be numeric, without NA or infinite values")
    return np.ascontiguousarray(t, dtype=dtype)


def evaluate(
    darch: DArch, x, t, name: str, is_bin: bool, is_class: bool, log: DarchLog, out=None
) -> tuple[float, float]:
    """darch's testing of a set: the error function's value and the classification error in %
    (``out``: the network's outputs for ``x`` when they were computed elsewhere, on a device)."""
    out = final_output(darch, x) if out is None else out
    if is_bin:
        out = (out > 0.5).astype(out.dtype)
    label, value = error_function(darch.error_function)(t, out)
    class_error = float("nan")
    if is_class:
        if t.shape[1] > 1:
            wrong = np.argmax(out, axis=1) != np.argmax(t, axis=1)
        else:
            wrong = (out[:, 0] > 0.5) != (t[:, 0] > 0.5)
        class_error = float(np.mean(wrong) * 100)
        log.info(f"Classification error on {name} {r_number(round(class_error, 2))}%")
    log.info(f"{name} {label} {r_number(value)}")
    return value, class_error


def fine_tune(
    darch: DArch, data: object, targets: object, max_epoch: int = 1, is_bin: bool = False,
    is_class: bool = True, valid: tuple | None = None, test: tuple | None = None,
    stop_err: float = -np.inf, stop_class_err: float = 101.0, stop_valid_err: float = -np.inf,
    stop_valid_class_err: float = 101.0, log: DarchLog | None = None, shuffle: bool = False,
    device: str | None = None, **tuner_args,
) -> Outcome:  # fmt: skip
    """``fineTuneDArch``: ``max_epoch`` epochs of the DArch's fine-tune function over contiguous
    batches (in a new random order each epoch with ``shuffle``, a permutation seeded by the DArch's
    seed and epoch), each epoch followed by darch's testing of the training, validation and test sets.
    ``device``: backpropagation and resilient backpropagation of a single-precision network of
    sigmoid, tanh, linear or softmax units run on CUDA when the device (see
    :func:`~pyrpudl.darch.rbm.rbm_backend`) is one; the conjugate-gradient functions run on the CPU.

    Parameters
    ----------
    darch
        The network; it is left as it was. Its ``fine_tune_function`` ("backpropagation",
        "rpropagation", "minimizeClassifier", "minimizeAutoencoder") and ``error_function`` are used.
    data, targets
        Training inputs and targets, one example per row.
    max_epoch
        Epochs to run.
    is_bin, is_class
        Binarise the outputs (> 0.5) before the error; report the classification error.
    valid, test
        Optional ``(inputs, targets)`` sets evaluated after each epoch.
    stop_err, stop_class_err, stop_valid_err, stop_valid_class_err
        darch's stop criteria: an error at most ``stop*_err``, or a share of correct
        classifications (in %) at least ``stop*_class_err``.
    log
        darch's log lines (default: the network's log level, printed).
    shuffle
        A new random order of the rows each epoch.
    device
        Where backpropagation and rpropagation run (see above).
    **tuner_args
        Settings of the fine-tune function (``method``, ``incFact``, ... for rpropagation;
        ``length``, ``switchLayers`` for the minimize functions).

    Returns
    -------
    Outcome
        The fine-tuned copy (statistics in ``stats``), the epochs done, and why it stopped early.
    """
    log = log or DarchLog.make(level=darch.log_level)
    tuner = TUNERS.get(darch.fine_tune_function) if isinstance(darch.fine_tune_function, str) else None
    if tuner is None:
        raise InputError(
            f"unknown fine-tune function {darch.fine_tune_function!r}; use one of {', '.join(TUNERS)}"
        )
    error_function(darch.error_function)  # fails now, not after the first epoch
    darch = darch.copy()
    x = check_darch_data(darch, data, "trainData")
    t = check_targets(targets, x.shape[0], darch.sizes[-1], darch.dtype, "targetData")
    sets = [("Train set", x, t, "data")]
    for name, key, pair in (("Validation set", "valid", valid), ("Test set", "test", test)):
        if pair is not None and pair[0] is not None:
            vx = check_darch_data(darch, pair[0], f"{key}Data")
            sets.append(
                (
                    name,
                    vx,
                    check_targets(pair[1], vx.shape[0], darch.sizes[-1], darch.dtype, f"{key}Targets"),
                    key,
                )
            )
    bounds = batch_bounds(x.shape[0], darch.batch_size)
    backend = rbm_backend(device, darch.dtype)
    on_device = None
    if device_tune.supports(darch, backend):
        exact = output_delta_is_exact(darch)
        on_device = device_tune.DeviceBackprop(
            darch, backend, bounds[0][1] - bounds[0][0], exact, **tuner_args
        )
        device_sets = {key: (backend.resident(sx), backend.resident(st)) for _, sx, st, key in sets}
    log.info("Start deep architecture fine-tuning")
    log.info(f"Number of Batches: {len(bounds)}")
    done, stopped = 0, None
    guard = EpochGuard({f"layer{i + 1}.{part}": getattr(layer, part) for i, layer in enumerate(darch.layers)
                        for part in ("weights", "increments")})  # fmt: skip

    def epoch() -> dict:
        """One pass over the batches, then darch's testing of each set."""
        order = np.random.default_rng([darch.seed, darch.epochs]).permutation(len(x)) if shuffle else None
        if on_device is None:
            for start, end in bounds:
                rows = slice(start, end) if order is None else order[start:end]
                tuner(darch, x[rows], t[rows], **tuner_args)
        else:
            _device_epoch(on_device, device_sets["data"], x, t, order, bounds, darch.momentum())
        darch.epochs += 1
        results = {}
        for name, sx, st, key in sets:
            out = None if on_device is None else on_device.outputs_of(device_sets[key][0], 4096)
            results[key] = evaluate(darch, sx, st, name, is_bin, is_class, log, out)
        return results

    def finite(results) -> bool:
        return bool(
            np.isfinite(results["data"][0]) and all(np.all(np.isfinite(la.weights)) for la in darch.layers)
        )

    saved = darch
    try:
        for i in range(int(max_epoch)):
            saved = darch.copy(rbms=False)  # fine-tuning leaves the RBMs alone
            log.info(f"Epoch: {i + 1} of {int(max_epoch)}")
            stopped, results = guard.attempt(epoch, finite)
            if stopped:
                darch = saved
                if stopped == "interrupted":
                    log.info(f"Fine-tuning interrupted: keeping the darch of epoch {darch.epochs}.")
                else:
                    kept = darch.epochs
                    log.warn(
                        f"The training error is not finite: stopping, keeping the darch of epoch {kept}."
                    )
                break
            stats = {key: list(values) for key, values in darch.stats.items()}
            for key, (value, class_error) in results.items():
                stats.setdefault(f"{key}Errors", []).append(value)
                stats.setdefault(f"{key}ClassErrors", []).append(class_error)
            darch.stats, done = stats, done + 1  # one assignment: no interrupt falls between its parts
            log.progress(done, int(max_epoch), results["data"][0], force=done == int(max_epoch))
            reason = _stop_reason(results, stop_err, stop_class_err, stop_valid_err, stop_valid_class_err)
            if reason:
                log.info("The training is canceled:")
                log.info(reason)
                stopped = "criterion"
                break
    except BaseException as exc:  # Ctrl-C between epochs (logging): the completed epochs count
        if not is_interrupt(exc):
            raise
        darch = saved if stopped in ("interrupted", "not finite") else darch
        stopped = "interrupted"
    log.info("Fine-tuning finished")
    log.close()
    return Outcome(darch, done, stopped)


def _device_epoch(on_device, data, x, t, order, bounds, momentum) -> None:
    """One epoch of backpropagation on the device; a shuffled epoch uploads its permuted rows once."""
    on_device.epoch(data if order is None else on_device.shuffled(x[order], t[order]), bounds, momentum)


def _stop_reason(results, stop_err, stop_class_err, stop_valid_err, stop_valid_class_err) -> str | None:
    """darch's stop criteria: an error at or below its minimum, or a share of correct classifications
    (100 - the classification error, in %) at or above ``stop*ClassErr`` (101: never)."""
    for key, where, err_limit, correct_limit in (
        ("data", "train", stop_err, stop_class_err),
        ("valid", "validation", stop_valid_err, stop_valid_class_err),
    ):
        if key not in results:
            continue
        error, class_error = results[key]
        if error <= err_limit:
            return (
                f"The new error ({r_number(error)}) on the {where} data is smaller than or equal to the "
                f"minimum error ({r_number(err_limit)})."
            )
        if 100 - class_error >= correct_limit:
            return (
                f"The new share of correct classifications ({r_number(100 - class_error)}%) on the {where} "
                f"data reached the goal ({r_number(correct_limit)}%)."
            )
    return None
