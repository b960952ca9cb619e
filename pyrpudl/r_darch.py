"""The R package's darch functions (see :mod:`pyrpudl.r_api`, which exports them by name).

An R darch object is a plain R list (``R/darch-class.R``) and stays in R, so it keeps R's value
semantics and can hold R functions; each call sends it here as a dict, the engine works on a Python
:class:`~pyrpudl.darch.DArch`, and the changed parts go back as a dict that R merges into a copy.
Unit and fine-tune functions arrive as their names when they are the package's own, otherwise as
callables that call back into R.
"""

import numpy as np

from pyrpudl import darch as dn
from pyrpudl.darch import ondisk
from pyrpudl.darch.model import PRECISIONS
from pyrpudl.darch.rbm import ARRAYS
from pyrpudl.errors import InputError

RBM_SETTINGS = ("batch_size", "learn_rate_weights", "learn_rate_bias_visible", "learn_rate_bias_hidden",
                "weight_cost", "initial_momentum", "final_momentum", "momentum_switch", "visible_units",
                "epochs", "seed", "layer", "draws")  # fmt: skip
DARCH_SETTINGS = ("batch_size", "learn_rate_weights", "learn_rate_biases", "initial_momentum",
                  "final_momentum", "momentum_switch", "fine_tune_function", "error_function", "epochs",
                  "seed", "draws", "log_level")  # fmt: skip
INTEGERS = {"batch_size", "momentum_switch", "epochs", "seed", "layer", "draws", "log_level"}


def _array(value, dtype, shape=None) -> np.ndarray | None:
    if value is None:
        return None
    array = np.array(value, dtype=dtype, order="C")  # a copy: R's memory is never written
    return array.reshape(shape) if shape is not None else array


def _numbers(value) -> list[float]:
    return [] if value is None else [float(v) for v in np.atleast_1d(np.asarray(value, dtype=np.float64))]


def _setting(name: str, value):
    return (
        int(value)
        if name in INTEGERS
        else (value if isinstance(value, str) or callable(value) else float(value))
    )


def rbm_from_r(r: dict, dtype) -> dn.RBM:
    if ondisk.is_on_disk(r.get("weights")):  # ff = TRUE: keep the files' arrays as they are
        arrays = {name: r[name] for name in ARRAYS}
        settings = {name: _setting(name, r[name]) for name in RBM_SETTINGS if r.get(name) is not None}
        return dn.RBM(**arrays, errors=_numbers(r.get("errors")), **settings)
    weights = _array(r["weights"], dtype)
    if weights is None or weights.ndim != 2:
        raise InputError("an RBM's weights must be a matrix (visible x hidden units)")
    v, h = weights.shape
    shapes = {"visible_biases": (v,), "hidden_biases": (h,), "weight_inc": (v, h),
              "visible_bias_inc": (v,), "hidden_bias_inc": (h,)}  # fmt: skip
    arrays = {name: _array(r.get(name), dtype, shape) for name, shape in shapes.items()}
    settings = {name: _setting(name, r[name]) for name in RBM_SETTINGS if r.get(name) is not None}
    return dn.RBM(weights, errors=_numbers(r.get("errors")), **arrays, **settings)


def rbm_to_r(rbm: dn.RBM) -> dict:
    on_disk = ondisk.is_on_disk(rbm.weights)  # then R keeps no copy: the files are the RBM
    out = {name: None if on_disk else getattr(rbm, name) for name in ARRAYS}
    out.update({name: getattr(rbm, name) for name in RBM_SETTINGS})
    out["errors"] = np.asarray(rbm.errors, dtype=np.float64)
    return out


def darch_from_r(r: dict) -> dn.DArch:
    precision = r.get("precision", "double")
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    dtype = PRECISIONS[precision]
    ff_dir = r.get("ff_dir")
    files = ondisk.open_layers(ff_dir, len(r["layers"]), dtype) if ff_dir else None
    layers = []
    for i, spec in enumerate(r["layers"]):
        unit = dn.units.check_unit(spec["unit"], f"layer {i + 1}")
        if files:  # ff = TRUE: the weights are in files, which training changes in place
            layers.append(dn.Layer(files[i][0], unit, files[i][1], _state(spec, dtype)))
            continue
        weights = _array(spec["weights"], dtype)
        if weights is None or weights.ndim != 2:
            raise InputError(f"the weights of layer {i + 1} must be a matrix ((inputs + 1) x units)")
        if layers and layers[-1].weights.shape[1] + 1 != weights.shape[0]:
            raise InputError(
                f"layer {i + 1} has {weights.shape[0]} weight rows but layer {i} has "
                f"{layers[-1].weights.shape[1]} units: it needs {layers[-1].weights.shape[1] + 1} "
                "(inputs + bias)"
            )
        increments = _array(spec.get("increments"), dtype, weights.shape)
        layers.append(dn.Layer(weights, unit, increments, _state(spec, dtype)))
    settings = {name: _setting(name, r[name]) for name in DARCH_SETTINGS if r.get(name) is not None}
    stats = {key: _numbers(value) for key, value in (r.get("stats") or {}).items()}
    rbms = []
    for i, rbm in enumerate(r.get("rbms") or []):
        if files:
            rbm = dict(rbm, **ondisk.open_rbm_arrays(ff_dir, i + 1, files[i][0], dtype))
        rbms.append(rbm_from_r(rbm, dtype))
    return dn.DArch(layers, rbms, stats=stats, ff_dir=ff_dir, **settings)


def _state(spec: dict, dtype) -> dict:
    return {key: _array(value, dtype) for key, value in (spec.get("state") or {}).items()}


def darch_to_r(darch: dn.DArch) -> dict:
    """What training changes: weights and their memory, RBMs, counters and statistics. With
    ff = TRUE the weights stay in their files: nothing large goes back to R."""
    keep = not darch.on_disk
    layers = [
        {"weights": layer.weights if keep else None, "increments": layer.increments if keep else None,
         "state": layer.state}
        for layer in darch.layers
    ]  # fmt: skip
    stats = {key: np.asarray(value, dtype=np.float64) for key, value in darch.stats.items()}
    return {"layers": layers, "rbms": [rbm_to_r(rbm) for rbm in darch.rbms], "epochs": darch.epochs,
            "draws": darch.draws, "stats": stats}  # fmt: skip


def _log(level, report, progress=None):
    """darch's log for R: lines (and progress, when R draws a bar) go to R in bunches every 0.2 s:
    each call into R costs ~0.1 ms."""
    log = dn.DarchLog.make(report, int(level), every=0.2)
    log.on_progress = progress
    return log


def _pair(data, targets):
    return None if data is None else (np.asarray(data), np.asarray(targets) if targets is not None else None)


def darch_pretrain(
    darch: dict, data: object, max_epoch: int = 1, num_cd: int = 1, report: object = None,
    device: str | None = None, progress: object = None,
) -> dict:  # fmt: skip
    """``preTrainDArch``."""
    model = darch_from_r(darch)
    log = _log(model.log_level, report, progress)
    try:
        outcome = dn.pretrain(model, np.asarray(data), int(max_epoch), int(num_cd), log, device)
    finally:
        log.flush()
    return {"darch": darch_to_r(outcome.darch), "stopped": outcome.stopped}


def darch_fine_tune(
    darch: dict, data: object, targets: object, max_epoch: int = 1, is_bin: bool = False,
    is_class: bool = True, valid_data: object = None, valid_targets: object = None,
    test_data: object = None, test_targets: object = None,
    stop_err: float = -np.inf, stop_class_err: float = 101.0, stop_valid_err: float = -np.inf,
    stop_valid_class_err: float = 101.0, shuffle: bool = False, tuner_args: dict | None = None,
    report: object = None, device: str | None = None, progress: object = None,
) -> dict:  # fmt: skip
    """``fineTuneDArch``."""
    model = darch_from_r(darch)
    if (valid_data is None) != (valid_targets is None) or (test_data is None) != (test_targets is None):
        raise InputError("give validData with validTargets, and testData with testTargets")
    log = _log(model.log_level, report, progress)
    try:
        outcome = dn.fine_tune(
            model, np.asarray(data), np.asarray(targets), int(max_epoch), bool(is_bin), bool(is_class),
            _pair(valid_data, valid_targets), _pair(test_data, test_targets), float(stop_err),
            float(stop_class_err), float(stop_valid_err), float(stop_valid_class_err),
            log, bool(shuffle), device, **dict(tuner_args or {}),
        )  # fmt: skip
    finally:
        log.flush()
    return {"darch": darch_to_r(outcome.darch), "stopped": outcome.stopped}


def darch_step(darch: dict, data: object, targets: object, tuner_args: dict | None = None) -> dict:
    """One fine-tune step on one batch (calling ``backpropagation(darch, x, y)`` in R)."""
    model = darch_from_r(darch)
    tuner = dn.TUNERS.get(model.fine_tune_function)
    if tuner is None:
        raise InputError(
            f"unknown fine-tune function {model.fine_tune_function!r}; use one of {', '.join(dn.TUNERS)}"
        )
    x = dn.model.check_darch_data(model, data, "trainData")
    t = dn.finetune.check_targets(targets, x.shape[0], model.sizes[-1], model.dtype, "targetData")
    tuner(model, x, t, **dict(tuner_args or {}))
    return darch_to_r(model)


def darch_run(darch: dict, data: object) -> list[np.ndarray]:
    """``runDArch``: every layer's output."""
    return [out.astype(np.float64) for out in dn.run(darch_from_r(darch), np.asarray(data))[0]]


def rbm_train(rbm: dict, data: object, max_epoch: int = 1, num_cd: int = 1, precision: str = "double",
              log_level: int = 6, report: object = None, device: str | None = None) -> dict:  # fmt: skip
    """``trainRBM``."""
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}")
    rbm = rbm_from_r(rbm, PRECISIONS[precision])
    log = _log(log_level, report)
    try:
        outcome = dn.train_rbm(rbm, np.asarray(data), int(max_epoch), int(num_cd), log, device)
    finally:
        log.flush()
    return {"rbm": rbm_to_r(outcome.rbm), "stopped": outcome.stopped}


def darch_to_disk(darch: dict, folder: str) -> str:
    """``newDArch(ff = TRUE)``: the darch's weights written to files in ``folder``."""
    model = darch_from_r(dict(darch, ff_dir=None))
    ondisk.move_to_disk(model, folder)
    return folder


def read_matrix(path: str) -> np.ndarray:
    """A weight file's contents, for R (as doubles)."""
    return np.array(ondisk.open_matrix(path), dtype=np.float64)


def write_matrix(path: str, values: object) -> None:
    """Overwrite a weight file's contents with ``values`` of the same shape."""
    target = ondisk.open_matrix(path)
    values = np.asarray(values)
    if values.shape != target.shape:
        raise InputError(f"the weights must be {target.shape[0]} x {target.shape[1]}, not {values.shape}")
    target[...] = values
    target.flush()
