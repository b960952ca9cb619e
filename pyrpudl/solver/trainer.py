"""Training with Caffe's solvers (SGD by default; Nesterov, AdaGrad, RMSProp, AdaDelta, Adam): the
loop of seed 000's ``rpudlTrain``.

Every ``display`` iterations it prints ``training @iter N, cost X, accuracy Y%`` (that batch's
loss and accuracy) and at the end ``training ends with average cost of X, and accuracy Y%``; a net
that scores no classes (an autoencoder: no SoftmaxWithLoss) logs its cost alone. A
NaN or infinite loss stops training with the last good parameters; Ctrl-C stops it after the
last completed iteration. Either way the model returned is usable.
"""

import math
from dataclasses import dataclass

import numpy as np

from pyrpudl.backend import Backend, RecordedSteps, get_backend
from pyrpudl.errors import InputError, LayerCodeError, is_interrupt
from pyrpudl.model import CLASSIFIER_LOSSES, Model, class_count, class_scores
from pyrpudl.net.layers.softmax_loss import _labels
from pyrpudl.net.net import Net
from pyrpudl.net.param_buffer import ParamBuffer
from pyrpudl.progress import ProgressBar, Report, make_reporter
from pyrpudl.progress import wanted as progress_wanted
from pyrpudl.proto import rpudl_model_pb2 as pb
from pyrpudl.solver.lr_policy import learning_rate
from pyrpudl.solver.snapshot import plan_snapshots, write_snapshot
from pyrpudl.solver.solver_types import SOLVER_TYPES, rate_factor, solver_type
from pyrpudl.solver.testing import Evaluator, evaluation_line


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
    device: "str | Backend | None" = None,
    test_interval: int | None = None,
    snapshot: int | None = None,
    snapshot_prefix: str | None = None,
) -> TrainingOutcome:
    """Train a copy of ``model`` for ``iterations`` solver steps of ``batch`` examples (times the
    solver's ``iter_size``) on ``device``
    ("auto", "cpu", "cuda"; None: ``$PYRPUDL_DEVICE`` or auto).

    The work runs in chunks that end at display intervals. The dataset, mean, parameters and the
    logs of a chunk stay on the device; the host reads the chunk's costs once, at its end. A NaN
    or an interrupt inside a chunk rolls back to the chunk's start and replays (training is
    deterministic) up to the last good, or last completed, iteration.

    Parameters
    ----------
    model
        The model to train; it is left as it was.
    batch, iterations
        Examples per iteration, and iterations.
    solver
        Caffe's solver settings (``SolverParameter``: type, learning rate and policy, momentum,
        weight decay, clip_gradients, iter_size, ...); by default cifar10_quick's (SGD, 0.001, 0.9,
        0.004, fixed). A type other than the one whose histories the model holds starts its
        histories afresh (and says so). With ``iter_size`` n each iteration reads n batches and
        updates once with their mean gradient (Caffe's; an iteration's cost is their mean loss).
    report
        Receives the progress lines (``print`` by default, with a live bar on a terminal).
    display
        A progress line every ``display`` iterations (0: none).
    final_report
        End with the seed's summary line.
    device
        "cpu", "cuda" or "auto"; None: ``$PYRPUDL_DEVICE``, else auto.
    test_interval
        Every ``test_interval`` iterations (and before the first, with the solver's
        ``test_initialization``), the TEST net's cost and accuracy on the source's test images
        (the solver's ``test_iter`` batches of the TEST layer's ``batch_size``, or all): a line
        ``testing @iter N, ...`` and an entry (iteration, cost, accuracy) in ``model.test_log``.
        None: the solver's ``test_interval`` (0: no testing).
    snapshot, snapshot_prefix
        Every ``snapshot`` iterations (counted from the model's first), write Caffe's snapshot pair
        ``{snapshot_prefix}_iter_{N}.caffemodel`` and ``.solverstate`` (see
        :mod:`pyrpudl.solver.snapshot`; a folder given here is made). None: the solver's.

    Returns
    -------
    TrainingOutcome
        The trained copy, and why training stopped early (None when it did not).
    """
    model.require_training_net("training")
    bar = ProgressBar(iterations) if progress_wanted(report) else None
    report = _guarded(make_reporter(report) if bar is None else _above(bar, make_reporter(report)))
    backend = get_backend(device)
    model = model.copy()
    solver = solver or pb.SolverParameter(base_lr=0.001, momentum=0.9, weight_decay=0.004, lr_policy="fixed")
    kind = solver_type(solver)
    if kind != model.history_type:
        if model.iteration > model.history_start:
            report(f"solver type {kind} replaces {model.history_type}: its histories start afresh")
        _restart_histories(model, kind)
    test_interval = solver.test_interval if test_interval is None else int(test_interval)
    if test_interval < 0:
        raise InputError(
            f"test_interval must be 0 (no testing) or a number of iterations, not {test_interval}"
        )
    plan = plan_snapshots(solver, snapshot, snapshot_prefix, net_name=model.spec.name)
    if plan.note:
        report(plan.note)
    run = _Run(model, backend, batch, solver, capacity=display or 1000)
    tester = _Tester(run, solver, report) if test_interval else None  # checks the test data first
    costs, hits = [], []
    stopped = None
    try:
        if tester and model.iteration == 0 and solver.test_initialization and iterations:
            tester.test()
        while run.done < iterations:
            count = iterations - run.done
            if display:
                count = min(count, display - model.iteration % display)
            else:
                count = min(count, 1000)
            if test_interval:
                count = min(count, test_interval - model.iteration % test_interval)
            if plan.every:
                count = min(count, plan.every - model.iteration % plan.every)
            chunk_costs, chunk_hits, stopped = run.chunk(count)
            costs += chunk_costs
            hits += chunk_hits
            if bar is not None and chunk_costs:
                bar.update(run.done, chunk_costs[-1])
            if stopped:
                break
            if display and model.iteration % display == 0:
                report(
                    f"training @iter {model.iteration}, cost {_fmt(chunk_costs[-1])}"
                    + _accuracy(chunk_hits[-1:])
                )
            if tester and model.iteration % test_interval == 0:
                tester.test()
            if plan.every and model.iteration % plan.every == 0:
                _snapshot(run, plan.prefix, solver, report)  # after the test, so its log holds it
    except (KeyboardInterrupt, _ReportInterrupted, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and not is_interrupt(exc):
            raise
        stopped = f"interrupted after iteration {model.iteration}"
    except LayerCodeError as exc:  # a Python layer's bug: the iterations before it are kept
        stopped = f"{exc}; kept the model of iteration {model.iteration}"
    run.finish()
    if bar is not None:
        bar.clear()
    try:
        if stopped:
            report(f"training stopped: {stopped}")
        if costs and final_report:
            report(summary_line(costs, hits))
    except _ReportInterrupted:
        pass  # the model is what matters now; the caller shows the summary itself if it can
    return TrainingOutcome(model, stopped)


class _Tester:
    """The test phase of a training run, on the run's parameters (the device's copy on CUDA)."""

    def __init__(self, run: "_Run", solver: pb.SolverParameter, report: Report):
        self.run, self.report = run, report
        self.evaluator = Evaluator.for_run(run.model, run.params, solver)

    def test(self) -> None:
        model = self.run.model
        result = self.evaluator.run()
        model.test_log.append((model.iteration, result.cost, result.accuracy))
        self.report(evaluation_line(model.iteration, result, len(self.evaluator.labels), self.evaluator.what))


def _snapshot(run: "_Run", prefix: str, solver: pb.SolverParameter, report: Report) -> None:
    """Caffe's snapshot pair of the run's model now; a failed write is said, and training goes on
    (the model is still in memory)."""
    run.finish()  # the device's values into the model's host buffer
    try:
        weights, state = write_snapshot(run.model, prefix, solver)
    except OSError as exc:
        report(f"snapshot @iter {run.model.iteration} failed: {exc.strerror or exc}; training goes on")
        return
    report(f"snapshot @iter {run.model.iteration}: {weights}, {state}")


def _restart_histories(model: Model, kind: str) -> None:
    """Zero the solver histories of ``model`` (a copy of the caller's) for a new solver type."""
    model.params.history[...] = 0
    model.params.history2[...] = 0
    model.history_type, model.history_start = kind, model.iteration


def _above(bar: ProgressBar, report: Report) -> Report:
    return lambda line: bar.line(line, report)


class _Run:
    """One training call: the net and its data on the backend, stepped chunk by chunk.

    A step reads everything that changes between iterations (its batch, learning rate and log
    slot) from buffers on the device, indexed by a step counter there. So on CUDA the first step
    runs eagerly (compiling kernels, allocating buffers) and the step is then recorded once as a
    CUDA graph: each further iteration is one graph launch instead of ~50 kernel launches.
    """

    def __init__(self, model: Model, backend: Backend, batch: int, solver: pb.SolverParameter, capacity: int):
        self.model, self.backend, self.batch, self.solver = model, backend, batch, solver
        self.done = 0  # iterations finished in this call
        self.l1 = solver.regularization_type == "L1"
        self.kind = solver_type(solver)
        self.kind_code = SOLVER_TYPES.index(self.kind)  # the update kernels' code for it
        self.params = model.params.to(backend)  # the model's own buffer on the CPU, a device copy on CUDA
        self.transform = transform = model.transform("TRAIN")
        self.net = Net(model.spec, "TRAIN", transform.shape, batch, params=self.params, seed=model.seed,
                       label_shape=model.label_shape, side_shapes=model.side_shapes)  # fmt: skip
        self.dropout = any(hasattr(layer, "keys") for layer in self.net.layers)
        # the class scores for the batch accuracy (None: a net without classes logs its cost only,
        # as does a segmentation's, whose TEST net's Accuracy layer counts right pixels instead)
        self.scores_name = scores_name = class_scores(model.spec)
        source = model.source
        checked = source.train_targets if source.label_maps else source.train_labels
        if source.label_maps:
            self.scores_name = None
        data = model.data_layer("TRAIN")
        size = int(np.prod(source.shape))
        # labels checked once here on a device (on the host the loss layer checks each batch)
        if backend.name != "cpu" and scores_name:
            loss_layer = next(layer for layer in self.net.layers if layer.spec.type in CLASSIFIER_LOSSES)
            _labels(loss_layer, checked, class_count(model.spec, self.net.shapes.blobs))
        self.images = backend.view(backend.resident(source.train_images), (len(source.train_images), size))
        self.labels = backend.resident(source.train_labels, np.int32)
        self.mean = backend.to_device(transform.mean.ravel())
        self.data = backend.empty((batch, int(np.prod(transform.shape))))
        self.batch_labels = backend.empty((batch,), np.int32)
        self.inputs = {data.top[0]: backend.view(self.data, (batch, *transform.shape))}
        # targets or label maps (HDF5 data): their rows are gathered beside the batch's examples
        self.targets = self.batch_targets = None
        if source.train_targets is not None:
            targets, size = source.train_targets, int(np.prod(model.label_shape))
            self.targets = backend.view(backend.resident(targets), (len(targets), size))
            self.batch_targets = backend.empty((batch, size), targets.dtype)
        if len(data.top) > 1:
            self.inputs[data.top[1]] = (
                self.batch_labels
                if self.targets is None
                else backend.view(self.batch_targets, (batch, *model.label_shape))
            )
        # HDF5Data's further tops (a recurrent net's cont...): their rows gathered likewise
        self.sides = []
        for name, rows in source.train_side.items():
            size = int(np.prod(rows.shape[1:]))
            table, out = backend.view(backend.resident(rows), (len(rows), size)), backend.empty((batch, size))
            self.sides.append((out, table))
            self.inputs[name] = backend.view(out, (batch, *rows.shape[1:]))
        self.losses = list(self.net.loss_weights.items())
        self.chunk_start = {name: backend.empty(self.params.data.shape) for name in ParamBuffer.STATE}
        # the step's inputs on the device: one chunk's batch rows and rates, its logs, the counter
        # (with iter_size > 1 an iteration reads several batches: rows, draws and logs are per batch)
        self.capacity, self.iter_size = capacity, solver.iter_size
        batches = capacity * self.iter_size
        self.chunk_index = backend.empty((batches * batch,), np.int32)
        self.batch_index = backend.empty((batch,), np.int32)
        # each example's crop and mirror, (top, left, mirror), beside its row
        self.chunk_offsets = backend.empty((batches * batch, 3), np.int32) if transform.augments else None
        self.crop_shape = (*transform.image_shape, *transform.shape[1:])  # the crop op's sizes
        self.rates = backend.empty((capacity,))
        self.costs, self.accuracies = backend.empty((batches,)), backend.empty((batches,))
        self.state = backend.empty((1,), np.int32)  # the iteration's slot in the chunk
        # the batch's slot: the iteration's, unless an iteration reads several
        self.batch_state = self.state if self.iter_size == 1 else backend.empty((1,), np.int32)
        self.gradient_sum = backend.empty(self.params.diff.shape) if self.iter_size > 1 else None
        self.slot = 0  # the host's copy of the counter (for Dropout's keys)
        # Dropout's keys change each step; a Python layer runs host code between the launches
        replayable = not self.dropout and all(layer.replayable for layer in self.net.layers)
        self.steps = RecordedSteps(backend, enabled=replayable)

    def _step(self) -> None:
        ops, params, solver = self.backend.ops, self.params, self.solver
        for part in range(self.iter_size):
            self._forward_backward(part)
            if self.iter_size > 1:  # Caffe accumulates the batches' gradients, then divides the sum
                ops.axpby(self.gradient_sum, 1.0, params.diff, 1.0 if part else 0.0,
                          self.gradient_sum if part else params.diff)  # fmt: skip
                ops.next_step(self.batch_state)
        gradient = params.diff if self.iter_size == 1 else self.gradient_sum
        if solver.clip_gradients >= 0:  # Caffe's ClipGradients: on the sum, before it is divided
            ops.clip_gradients(gradient, solver.clip_gradients)
        if self.iter_size > 1:
            ops.axpby(params.diff, 1.0 / self.iter_size, gradient, 0.0, gradient)
        ops.scheduled_solver_update(params.data, params.history, params.history2, params.diff, params.lr_mult,
                                    params.decay_mult, self.rates, self.state, self.kind_code,
                                    solver.momentum, solver.momentum2, solver.rms_decay, solver.delta,
                                    solver.weight_decay, self.l1)  # fmt: skip
        ops.next_step(self.state)

    def _forward_backward(self, part: int) -> None:
        """One batch: its rows transformed, the loss and its gradient (into ``params.diff``), its
        cost and accuracy logged in the batch's slot."""
        batch, ops, view, transform = self.batch, self.backend.ops, self.backend.view, self.transform
        if transform.augments:
            ops.transform_crop_batch(self.data, self.batch_labels, self.images, self.labels, self.chunk_index,
                                     self.chunk_offsets, self.batch_state, self.mean, transform.scale,
                                     *self.crop_shape)  # fmt: skip
        else:
            ops.select_batch(self.batch_index, self.chunk_index, self.batch_state)
            ops.transform_batch(self.data, self.batch_labels, self.images, self.labels, self.batch_index,
                                self.mean, transform.scale)  # fmt: skip
            if self.targets is not None:
                ops.gather_rows(self.batch_targets, self.targets, self.batch_index)
            for out, table in self.sides:
                ops.gather_rows(out, table, self.batch_index)
        if self.dropout:
            self.net.reseed((self.model.iteration + self.slot) * self.iter_size + part)
        blobs = self.net.forward(self.inputs, train=True)
        (first, weight), *others = self.losses
        if self.scores_name is None:
            ops.record_cost(self.costs, self.accuracies, self.batch_state, view(blobs[first], (1,)), weight)
        else:
            scores = blobs[self.scores_name]
            ops.record_step(self.costs, self.accuracies, self.batch_state, view(blobs[first], (1,)), weight,
                            view(scores, (batch, scores.size // batch)), self.batch_labels)  # fmt: skip
        for name, weight in others:
            ops.add_cost(self.costs, self.batch_state, view(blobs[name], (1,)), weight)
        self.net.backward()

    def _run_step(self) -> None:
        self.steps.run(None, self._step)
        self.slot += 1

    def _start_chunk(self) -> None:
        """Back to slot 0, and the parameters as they were (used again by a rollback)."""
        backend = self.backend
        backend.copy_from_host(self.state, np.zeros(1, np.int32))
        if self.batch_state is not self.state:
            backend.copy_from_host(self.batch_state, np.zeros(1, np.int32))
        self.slot = 0

    def load_chunk(self, count: int) -> None:
        """The next ``count`` iterations' batch rows and learning rates on the device, slot 0."""
        model, backend = self.model, self.backend
        per_iteration = self.iter_size * self.batch  # examples
        rows = np.zeros(self.capacity * per_iteration, np.int32)
        rows[: count * per_iteration] = model.source.batch_indices(model.cursor, count * per_iteration)
        backend.copy_from_host(self.chunk_index, rows)
        if self.chunk_offsets is not None:
            offsets = np.zeros((self.capacity * per_iteration, 3), np.int32)
            draws = self.transform.draws(model.seed, model.iteration, count, per_iteration)
            offsets[: count * per_iteration] = draws
            backend.copy_from_host(self.chunk_offsets, offsets)
        rates = np.zeros(self.capacity, np.float32)
        rates[:count] = [
            learning_rate(self.solver, it) * rate_factor(self.kind, self.solver, it - model.history_start + 1)
            for it in range(model.iteration, model.iteration + count)
        ]
        backend.copy_from_host(self.rates, rates)
        self._start_chunk()

    def chunk(self, count: int) -> tuple[list[float], list[float], str | None]:
        """Run ``count`` iterations; returns their costs and accuracies, and why training must stop."""
        model = self.model
        self._save()
        self.load_chunk(count)
        completed = 0
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # NaNs are caught below
                for _ in range(count):
                    self._run_step()
                    completed += 1
        except BaseException:
            # an interrupt may land mid-step: go back to the chunk's start and redo the finished steps
            self._rollback(completed)
            raise
        cost_values = self._log(self.costs, count)
        bad = next((i for i, cost in enumerate(cost_values) if not np.isfinite(cost)), None)
        if bad is not None:
            where = model.iteration + bad + 1
            stopped = f"the cost became {cost_values[bad]} at iteration {where}; kept the last good model"
            self._rollback(bad)
            return cost_values[:bad], model.accuracy_log[len(model.accuracy_log) - bad :], stopped
        self._advance(count, cost_values)
        return cost_values, model.accuracy_log[-count:], None

    def _rollback(self, keep: int) -> None:
        """Restore the chunk's start, then replay its first ``keep`` iterations (training is
        deterministic, so the replay equals the original)."""
        backend = self.backend
        backend.synchronize()
        self._restore()
        self._start_chunk()
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(keep):
                    self._run_step()
        except BaseException:  # interrupted again: the chunk's start is the last good model
            backend.synchronize()
            self._restore()
            return
        if keep:
            self._advance(keep)

    def _save(self) -> None:
        """The chunk's start (parameters and histories), kept for a rollback."""
        for name in ParamBuffer.STATE:
            self.backend.copy(self.chunk_start[name], getattr(self.params, name))

    def _restore(self) -> None:
        for name in ParamBuffer.STATE:
            self.backend.copy(getattr(self.params, name), self.chunk_start[name])

    def _advance(self, count: int, cost_values: list[float] | None = None) -> None:
        """Count ``count`` finished iterations in the model (``cost_values``: their costs, if the
        caller has read them already)."""
        model = self.model
        model.iteration += count
        model.cursor += count * self.iter_size * self.batch
        model.cost_log += self._log(self.costs, count) if cost_values is None else cost_values
        model.accuracy_log += self._log(self.accuracies, count)
        self.done += count

    def _log(self, values, count: int) -> list[float]:
        """The first ``count`` iterations' values of a per-batch log: each iteration's mean over its
        batches (Caffe's loss with iter_size)."""
        per_batch = self.backend.to_host(values)[: count * self.iter_size].astype(float)
        return per_batch.reshape(count, self.iter_size).mean(axis=1).tolist()

    def finish(self) -> None:
        """Bring the trained values home (a no-op on the CPU, where the model's buffer was used)."""
        self.backend.synchronize()
        if self.params is not self.model.params:
            self.model.params.load(self.params)


def _accuracy(values: list[float], digits: int = 0, lead: str = ", accuracy") -> str:
    """The batch accuracy for a log line, as ``lead`` and "Y%"; nothing for a net without classes
    (its accuracies are NaN)."""
    mean = float(np.mean(values)) if len(values) else math.nan
    return "" if math.isnan(mean) else f"{lead} {mean:.{digits}%}"


def summary_line(costs: list[float], accuracies: list[float]) -> str:
    """The last line of a training call: its average cost and batch accuracy."""
    accuracy = _accuracy(accuracies, 2, lead=", and accuracy")
    return f"training ends with average cost of {_fmt(np.mean(costs))}{accuracy}"
