"""Caffe's test phase during training: every ``test_interval`` iterations, the TEST net's outputs
over the data source's test images (the first ``test_iter`` batches of the TEST Data layer's
``batch_size``, or all of them), on the training run's own parameters and device.

As in Caffe, the outputs are the TEST net's scalar blobs that no layer reads (its losses and
accuracies), each averaged over the batches. The cost is the losses' weighted sum (loss_weight),
the accuracy the first Accuracy layer's (with its top_k and ignore_label); the other outputs are
reported beside them. A TEST net without a loss or an Accuracy layer is scored from its class
scores (cross-entropy, top-1); a net without class scores (an autoencoder) has no accuracy (NaN,
left out of the line).
"""

import math
from dataclasses import dataclass, field

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.model import Model, Scorer, class_count, ignored_label
from pyrpudl.net.layers.softmax_loss import softmax
from pyrpudl.net.net import loss_weights
from pyrpudl.net.param_buffer import ParamBuffer
from pyrpudl.net.shapes import SOURCE_TYPES, infer_shapes
from pyrpudl.net.state import layers_for_phase
from pyrpudl.net.transform import batch_size
from pyrpudl.proto import rpudl_model_pb2 as pb

FLT_MIN = np.finfo(np.float32).tiny  # SoftmaxWithLoss takes log(max(p, FLT_MIN))


@dataclass
class Evaluation:
    cost: float
    accuracy: float
    others: dict[str, float] = field(default_factory=dict)  # the net's other outputs, by blob name
    top_k: int = 1  # of the accuracy


def _outputs(layers: list[pb.LayerParameter], shapes) -> list[str]:
    """Caffe's net outputs: blobs no layer reads, here the scalar ones, in the order made."""
    read = {bottom for layer in layers for bottom in layer.bottom}
    names = []
    for layer in layers:
        for top in layer.top:
            if layer.type not in SOURCE_TYPES and top not in read and top not in names:
                if math.prod(shapes.blobs[top]) == 1:
                    names.append(top)
    return names


@dataclass
class Evaluator:
    scorer: Scorer
    images: np.ndarray
    labels: np.ndarray
    outputs: list[str]
    losses: dict[str, float]  # loss outputs -> weight
    accuracy: str | None  # the first Accuracy layer's output
    top_k: int = 1
    device_labels: object = None  # ``labels`` on the scorer's device, uploaded once
    what: str = "images"  # what the test set holds, for the log line (HDF5 data: examples)
    per_example: bool = True  # one class per example (else label maps: no scoring from class scores)
    device_sides: dict | None = None  # HDF5Data's further tops' test rows on the device

    @classmethod
    def for_run(cls, model: Model, params: ParamBuffer, solver: pb.SolverParameter) -> "Evaluator":
        """Checked before training starts: test images to test on, labels the net can score."""
        batch = batch_size(model.data_layer("TEST")) or 100
        source = model.source
        count = len(source.test_images)
        if solver.test_iter:
            count = min(count, solver.test_iter[0] * batch)
        if count == 0:
            raise InputError("the data source has no test images to test on; set test_interval to 0")
        scorer = Scorer(model, params, batch)
        labels = (source.test_targets if source.label_maps else source.test_labels)[:count]
        layers = layers_for_phase(model.spec, "TEST")
        shapes = infer_shapes(layers, scorer.transform.shape, 1, model.label_shape, model.side_shapes)
        classes = class_count(model.spec, shapes.blobs) if scorer.scores else None
        ignore = ignored_label(model.spec)
        counted = labels if ignore is None else labels[labels != ignore]
        if classes is not None and counted.size and (counted.max() >= classes or counted.min() < 0):
            raise InputError(
                f"the test labels run from {counted.min()} to {counted.max()}, but the net scores "
                f"{classes} classes (0 to {classes - 1})"
            )
        outputs = _outputs(layers, shapes)
        losses = {name: weight for name, weight in loss_weights(layers).items() if name in outputs}
        if (classes is None or source.label_maps) and not losses:
            raise InputError(
                "the TEST net has neither class scores nor a loss to test; set test_interval to 0"
                if classes is None
                else "the TEST net of label maps needs its loss layer to test; set test_interval to 0"
            )
        accuracy = next(
            (layer for layer in layers if layer.type == "Accuracy" and layer.top[0] in outputs), None
        )
        return cls(
            scorer,
            source.test_images[:count],
            labels,
            outputs,
            losses,
            accuracy.top[0] if accuracy else None,
            accuracy.accuracy_param.top_k if accuracy else 1,
            params.backend.to_device(_device_labels(source, count)),
            source.noun,
            not source.label_maps,
            {
                name: params.backend.to_device(np.ascontiguousarray(rows[:count]))
                for name, rows in source.test_side.items()
            },
        )

    def run(self) -> Evaluation:
        """The TEST net's outputs on the test images, each the mean over its batches."""
        backend = self.scorer.params.backend
        # what the net does not compute itself, from its class scores (if it has any)
        from_scores = (
            self.per_example and self.scorer.scores is not None and (not self.losses or self.accuracy is None)
        )
        sums = dict.fromkeys(self.outputs, 0.0)
        cross_entropy = right = 0.0
        offset = 0
        for count, blobs in self.scorer.batches(self.images, self.device_labels, self.device_sides):
            for name in self.outputs:
                sums[name] += count * float(backend.to_host(blobs[name]).ravel()[0])
            if from_scores:
                scores = backend.to_host(blobs[self.scorer.scores]).reshape(count, -1)
                probabilities = scores if self.scorer.softmaxed else softmax(scores)
                truth = self.labels[offset : offset + count]
                picked = probabilities[np.arange(count), truth]
                cross_entropy -= float(np.sum(np.log(np.maximum(picked, FLT_MIN), dtype=np.float64)))
                right += float(np.sum(probabilities.argmax(axis=1) == truth))
            offset += count
        means = {name: total / offset for name, total in sums.items()}
        cost = sum(weight * means[name] for name, weight in self.losses.items()) if self.losses else None
        accuracy = means[self.accuracy] if self.accuracy else None
        others = {
            name: value for name, value in means.items() if name not in self.losses and name != self.accuracy
        }
        if accuracy is None:
            accuracy = right / offset if from_scores else math.nan
        return Evaluation(
            cross_entropy / offset if cost is None else cost,
            accuracy,
            others,
            self.top_k,
        )


def _device_labels(source, count: int) -> np.ndarray:
    """What the TEST net's label top reads for the first ``count`` test examples: their classes, or
    their targets or label maps as flat rows (HDF5 data)."""
    if source.test_targets is None:
        return source.test_labels[:count].astype(np.int32)
    return np.ascontiguousarray(source.test_targets[:count].reshape(count, -1))


def evaluation_line(iteration: int, result: Evaluation, count: int, what: str = "images") -> str:
    """``testing @iter N, cost X, accuracy Y% on M test images`` (``what``: "examples" for HDF5
    data), then the net's other outputs."""
    top = f" (top {result.top_k})" if result.top_k > 1 else ""
    accuracy = "" if math.isnan(result.accuracy) else f", accuracy {result.accuracy:.2%}{top}"
    line = f"testing @iter {iteration}, cost {result.cost:.6g}{accuracy} on {count} test {what}"
    if result.others:
        line += "; " + ", ".join(f"{name} = {value:.6g}" for name, value in result.others.items())
    return line
