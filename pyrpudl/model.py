"""A model: a net (from a prototxt), its data source, and everything training has learned so far.

Models are values: training returns a new model and leaves the old one as it was, so a user can
keep a history of models (seed 000). The iteration count, the solver's histories (and which solver
type wrote them) and the data cursor travel with the model, so a second training call resumes where
the first stopped (Caffe's solverstate).
"""

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pyrpudl.backend import Backend, get_backend
from pyrpudl.data import DataSource
from pyrpudl.data.source import dims
from pyrpudl.errors import InputError
from pyrpudl.net import parse_net
from pyrpudl.net.layers.softmax_loss import softmax
from pyrpudl.net.net import Net
from pyrpudl.net.param_buffer import ParamBuffer
from pyrpudl.net.transform import InputTransform, data_layer, input_transform
from pyrpudl.proto import rpudl_model_pb2 as pb


@dataclass
class Model:
    spec: pb.NetParameter
    source: DataSource
    params: ParamBuffer
    seed: int = 0
    iteration: int = 0  # updates done so far
    cursor: int = 0  # training examples consumed so far
    cost_log: list[float] = field(default_factory=list)
    accuracy_log: list[float] = field(default_factory=list)
    history_type: str = "SGD"  # the solver type whose histories params holds
    history_start: int = 0  # the iteration those histories began at (Adam's step count starts there)
    test_log: list[tuple[int, float, float]] = field(default_factory=list)  # (iteration, cost, accuracy)

    def copy(self) -> "Model":
        """An independent model: same values, its own parameter memory."""
        return Model(self.spec, self.source, copy.deepcopy(self.params), self.seed, self.iteration,
                     self.cursor, list(self.cost_log), list(self.accuracy_log), self.history_type,
                     self.history_start, list(self.test_log))  # fmt: skip

    def data_layer(self, phase: str = "TRAIN") -> pb.LayerParameter:
        """The Data layer that feeds ``phase``'s net."""
        return data_layer(self.spec, phase)

    def transform(self, phase: str = "TRAIN") -> InputTransform:
        """What ``phase``'s Data layer does to the source's images (mean, scale, crop, mirror)."""
        return input_transform(self.spec, self.source, phase)

    def layer_weights(self, layer: str, index: int = 0) -> np.ndarray:
        if layer not in self.params.slots or not self.params.slots[layer]:
            names = [name for name, slots in self.params.slots.items() if slots]
            raise InputError(
                f"the model has no layer {layer!r} with weights; layers with weights: {', '.join(names)}"
            )
        return self.params.weights(layer, index).copy()


def predict(
    model: Model, x: np.ndarray, kind: str = "class", chunk: int = 100, device: "str | Backend | None" = None
) -> np.ndarray:
    """Classes (or class probabilities, ``kind="prob"``) of images ``x``: rows of pixels in
    channel, height, width order, or an array (n, channels, height, width), valued as the data
    source's pixels (0..255). Runs on ``device`` (None: ``$PYRPUDL_DEVICE`` or auto).

    Parameters
    ----------
    model
        A trained model.
    x
        Images: a matrix with one image per row, or an array (n, channels, height, width).
    kind
        "class" for the predicted classes, "prob" for class probabilities.
    chunk
        Images per forward pass.
    device
        "cpu", "cuda" or "auto"; None: ``$PYRPUDL_DEVICE``, else auto.

    Returns
    -------
    numpy.ndarray
        The classes (n,) coded as the data source's labels, or probabilities (n, classes).
    """
    if kind not in ("class", "prob"):
        raise InputError(f"unknown prediction type {kind!r}; choose 'class' or 'prob'")
    x = np.asarray(x, dtype=np.float32)
    size = int(np.prod(model.source.shape))
    if x.ndim == 1 and x.size == size:
        x = x[None]
    per_image = int(np.prod(x.shape[1:])) if x.ndim >= 2 else x.size
    if x.ndim < 2 or per_image != size:
        crop = model.transform("TEST").crop
        raise InputError(
            f"x holds images of {per_image} values, but the model's data are "
            f"{dims(model.source.shape)} = {size} values each"
            + (f" (give whole images: the model cuts their {crop} x {crop} centre itself)" if crop else "")
        )
    backend = get_backend(device)
    probabilities = Scorer(model, model.params.to(backend), chunk).probabilities(x)
    return probabilities if kind == "prob" else probabilities.argmax(axis=1).astype(np.int32)


class Scorer:
    """The TEST net over ``params`` (the model's, or a training run's on its device): class
    probabilities of whole images, ``chunk`` at a time. It keeps its nets (one per chunk size, each
    with its buffers) for the next call."""

    def __init__(self, model: Model, params: ParamBuffer, chunk: int = 100):
        self.model, self.params, self.chunk = model, params, chunk
        self.transform = model.transform("TEST")
        self.scores = next(layer for layer in model.spec.layer if layer.type == "SoftmaxWithLoss").bottom[0]
        data = model.data_layer("TEST")
        self.data_top, self.label_top = data.top[0], data.top[1]
        self.nets: dict[int, tuple[Net, object]] = {}

    def batches(self, x: np.ndarray, labels=None):
        """The TEST net's forward passes over images ``x`` (n, ...) of the source's shape, a chunk at
        a time: yields (images in the chunk, the blobs, on the device). ``labels``: the images'
        labels on the device, for the net's loss and accuracy layers (else placeholders)."""
        model, backend = self.model, self.params.backend
        for start in range(0, len(x), self.chunk):
            part = self.transform.apply(
                np.asarray(x[start : start + self.chunk]).reshape(-1, *model.source.shape)
            )
            count = len(part)
            if count not in self.nets:  # a net per chunk size, with placeholder labels
                net = Net(
                    model.spec, "TEST", self.transform.shape, count, params=self.params, seed=model.seed
                )
                self.nets[count] = net, backend.to_device(np.zeros(count, np.int32))
            net, placeholder = self.nets[count]
            feed = placeholder if labels is None else labels[start : start + count]
            yield (
                count,
                net.forward({self.data_top: backend.to_device(part), self.label_top: feed}, train=False),
            )

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """float32 (n, classes) for images ``x`` (n, ...) of the source's shape."""
        to_host = self.params.backend.to_host
        results = [
            softmax(to_host(blobs[self.scores]).reshape(count, -1)) for count, blobs in self.batches(x)
        ]
        return np.concatenate(results) if results else np.empty((0, 0), np.float32)


def create_model(prototxt: str | Path, source: DataSource, seed: int = 0) -> Model:
    """Build a model from a train/test prototxt whose Data layers read ``source``.

    Parameters
    ----------
    prototxt
        A Caffe train/test prototxt (V2 ``layer {}`` or V1 ``layers {}``).
    source
        The data source its Data layers read.
    seed
        Seed of the initial weights (and of dropout).

    Returns
    -------
    Model
        An untrained model.

    Raises
    ------
    InputError
        When the net has no Data layer, when its transform needs a mean the data source lacks,
        or when shapes do not fit (see :func:`pyrpudl.net.infer_shapes`).
    """
    spec = parse_net(prototxt)
    if not any(layer.type == "Data" for layer in spec.layer):
        raise InputError(
            "the model's prototxt has no Data layer to read the data source; use a train/test net"
        )
    train_shape, test_shape = (input_transform(spec, source, phase).shape for phase in ("TRAIN", "TEST"))
    if train_shape != test_shape:
        raise InputError(
            f"the TRAIN phase's Data layer gives the net images of {dims(train_shape)} but the TEST "
            f"phase's {dims(test_shape)}; give both the same crop_size"
        )
    train = Net(spec, "TRAIN", train_shape, 1, seed=seed)
    Net(spec, "TEST", test_shape, 1, params=train.params)  # the TEST net must fit the same weights
    return Model(spec, source, train.params, seed)
