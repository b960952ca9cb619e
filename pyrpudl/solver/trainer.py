"""Training with Caffe's SGD: the loop of seed 000's ``rpudlTrain``.

Every ``display`` iterations it prints ``training @iter N, cost X, accuracy Y%`` (that batch's
loss and accuracy) and at the end ``training ends with average cost of X, and accuracy Y%``. A
NaN or infinite loss stops training with the last good parameters; Ctrl-C stops it after the
last completed iteration. Either way the model returned is usable.
"""

from dataclasses import dataclass

import numpy as np

from pyrpudl.errors import is_interrupt
from pyrpudl.model import Model
from pyrpudl.progress import Report, make_reporter
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.lr_policy import learning_rate


class _ReportInterrupted(Exception):
    """The progress callback failed: in R, Ctrl-C during message() arrives as an error from it."""


def _guarded(report: Report) -> Report:
    def call(line: str) -> None:
        try:
            report(line)
        except (Exception, KeyboardInterrupt) as exc:
            raise _ReportInterrupted(str(exc) or type(exc).__name__) from exc

    return call


@dataclass
class TrainingOutcome:
    model: Model
    stopped: str | None = None  # why training ended early, if it did


def _scores_blob(model: Model) -> tuple[str, str]:
    """Names of the scores and labels that the loss layer reads (for the batch accuracy)."""
    loss = next(layer for layer in model.spec.layer if layer.type == "SoftmaxWithLoss")
    return loss.bottom[0], loss.bottom[1]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def train(
    model: Model,
    batch: int = 100,
    iterations: int = 4000,
    solver: pb.SolverParameter | None = None,
    report: Report | None = None,
    display: int = 100,
    final_report: bool = True,
) -> TrainingOutcome:
    """Train a copy of ``model`` for ``iterations`` SGD steps of ``batch`` examples."""
    report = _guarded(make_reporter(report))
    model = model.copy()
    solver = solver or pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    net = model.net("TRAIN", batch)
    scores_name, labels_name = _scores_blob(model)
    data_top, label_top = model.data_layer.top[0], model.data_layer.top[1]
    images, labels = model.source.train_images, model.source.train_labels
    last_good = (model.params.data.copy(), model.params.history.copy())
    costs, hits = [], []
    stopped, updating = None, False
    iteration_before, cursor_before, log_length = model.iteration, model.cursor, len(model.cost_log)
    l1 = solver.regularization_type == "L1"
    try:
        for _ in range(iterations):
            index = model.source.batch_indices(model.cursor, batch)
            inputs = {data_top: model.transform(images[index]), label_top: labels[index]}
            net.reseed(model.iteration)
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught just below
                blobs = net.forward(inputs, train=True)
            cost = net.loss(blobs)
            if not np.isfinite(cost):
                model.params.data[:], model.params.history[:] = last_good
                stopped = (
                    f"the cost became {cost} at iteration {model.iteration + 1}; kept the last good model"
                )
                break
            accuracy = float(
                (blobs[scores_name].reshape(batch, -1).argmax(axis=1) == blobs[labels_name]).mean()
            )
            net.backward()
            last_good = (model.params.data.copy(), model.params.history.copy())
            model.params.sgd_step(
                learning_rate(solver, model.iteration), solver.momentum, solver.weight_decay, l1
            )
            model.iteration += 1
            model.cursor += batch
            model.cost_log.append(cost)
            model.accuracy_log.append(accuracy)
            costs.append(cost)
            hits.append(accuracy)
            if display and model.iteration % display == 0:
                report(f"training @iter {model.iteration}, cost {_fmt(cost)}, accuracy {accuracy:.0%}")
    except (KeyboardInterrupt, _ReportInterrupted, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and not is_interrupt(exc):
            raise
        if updating:
            model.params.data[:], model.params.history[:] = last_good
            model.iteration, model.cursor = iteration_before, cursor_before
            del model.cost_log[log_length:], model.accuracy_log[log_length:]
        stopped = f"interrupted after iteration {model.iteration}"
    try:
        if stopped:
            report(f"training stopped: {stopped}")
        if costs and final_report:
            report(summary_line(costs, hits))
    except _ReportInterrupted:
        pass  # the model is what matters now; the caller shows the summary itself if it can
    return TrainingOutcome(model, stopped)


def summary_line(costs: list[float], accuracies: list[float]) -> str:
    """The last line of a training call: its average cost and batch accuracy."""
    return (
        f"training ends with average cost of {_fmt(np.mean(costs))}, and accuracy {np.mean(accuracies):.2%}"
    )
