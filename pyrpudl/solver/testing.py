"""Caffe's test phase during training: every ``test_interval`` iterations, the TEST net's loss and
accuracy over the data source's test images (the first ``test_iter`` batches of the TEST Data layer's
``batch_size``, or all of them), on the training run's own parameters and device."""

from dataclasses import dataclass

import numpy as np

from pyrpudl.errors import InputError
from pyrpudl.model import Model, Scorer
from pyrpudl.net.param_buffer import ParamBuffer
from pyrpudl.net.shapes import infer_shapes
from pyrpudl.net.state import layers_for_phase
from pyrpudl.proto import rpudl_model_pb2 as pb

FLT_MIN = np.finfo(np.float32).tiny  # SoftmaxWithLoss takes log(max(p, FLT_MIN))


@dataclass
class Evaluator:
    scorer: Scorer
    images: np.ndarray
    labels: np.ndarray

    @classmethod
    def for_run(cls, model: Model, params: ParamBuffer, solver: pb.SolverParameter) -> "Evaluator":
        """Checked before training starts: test images to test on, labels the net can score."""
        batch = model.data_layer("TEST").data_param.batch_size or 100
        source = model.source
        count = len(source.test_images)
        if solver.test_iter:
            count = min(count, solver.test_iter[0] * batch)
        if count == 0:
            raise InputError("the data source has no test images to test on; set test_interval to 0")
        scorer = Scorer(model, params, batch)
        labels = source.test_labels[:count]
        shapes = infer_shapes(layers_for_phase(model.spec, "TEST"), scorer.transform.shape, 1)
        classes = shapes.blobs[scorer.scores][1]
        if labels.max() >= classes or labels.min() < 0:
            raise InputError(
                f"the test labels run from {labels.min()} to {labels.max()}, but the net scores "
                f"{classes} classes (0 to {classes - 1})"
            )
        return cls(scorer, source.test_images[:count], labels)

    def run(self) -> tuple[float, float]:
        """(mean loss, accuracy) of the TEST net on the test images."""
        probabilities = self.scorer.probabilities(self.images)
        picked = probabilities[np.arange(len(self.labels)), self.labels]
        cost = float(-np.mean(np.log(np.maximum(picked, FLT_MIN), dtype=np.float64)))
        accuracy = float(np.mean(probabilities.argmax(axis=1) == self.labels))
        return cost, accuracy


def evaluation_line(iteration: int, cost: float, accuracy: float, count: int) -> str:
    return f"testing @iter {iteration}, cost {cost:.6g}, accuracy {accuracy:.2%} on {count} test images"
