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
from pyrpudl.errors import InputError
from pyrpudl.net import parse_net
from pyrpudl.net.layers.softmax_loss import softmax
from pyrpudl.net.net import Net
from pyrpudl.net.param_buffer import ParamBuffer
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

    def copy(self) -> "Model":
        """An independent model: same values, its own parameter memory."""
        return Model(self.spec, self.source, copy.deepcopy(self.params), self.seed, self.iteration,
                     self.cursor, list(self.cost_log), list(self.accuracy_log), self.history_type,
                     self.history_start)  # fmt: skip

    @property
    def data_layer(self) -> pb.LayerParameter:
        return next(layer for layer in self.spec.layer if layer.type == "Data")

    def net(self, phase: str, batch: int) -> Net:
        """A net of ``phase`` over this model's parameters (shared, not copied)."""
        return Net(self.spec, phase, self.source.shape, batch, params=self.params, seed=self.seed)

    def mean_image(self) -> np.ndarray:
        """The mean subtracted from every image (float32): the data source's, or zeros without one."""
        if self.source.mean is None:
            return np.zeros(self.source.shape, np.float32)
        return self.source.mean.astype(np.float32, copy=False)

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
        raise InputError(
            f"x holds images of {per_image} values, but the model's data are "
            f"{' x '.join(map(str, model.source.shape))} = {size} values each"
        )
    backend = get_backend(device)
    params = model.params.to(backend)
    transform = model.data_layer.transform_param
    mean = model.mean_image()
    scores_name = next(layer for layer in model.spec.layer if layer.type == "SoftmaxWithLoss").bottom[0]
    data_top, label_top = model.data_layer.top[0], model.data_layer.top[1]
    nets: dict[int, Net] = {}  # one per chunk size: nets keep their buffers
    results = []
    for start in range(0, len(x), chunk):
        part = (x[start : start + chunk].reshape(-1, *model.source.shape) - mean) * np.float32(
            transform.scale
        )
        count = len(part)
        if count not in nets:
            nets[count] = Net(model.spec, "TEST", model.source.shape, count, params=params, seed=model.seed)
        inputs = {data_top: backend.to_device(part), label_top: backend.to_device(np.zeros(count, np.int32))}
        blobs = nets[count].forward(inputs, train=False)
        scores = backend.to_host(blobs[scores_name]).reshape(count, -1)
        results.append(softmax(scores))
    probabilities = np.concatenate(results) if results else np.empty((0, 0), np.float32)
    return probabilities if kind == "prob" else probabilities.argmax(axis=1).astype(np.int32)


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
    transform = next(layer for layer in spec.layer if layer.type == "Data").transform_param
    if transform.mean_file and source.mean is None:
        raise InputError(
            f"the model subtracts a mean image ({transform.mean_file}); compute it first with "
            "rpudlFindTrainingDataMean() (or load one with rpudlLoadTrainingDataMean())"
        )
    if transform.crop_size or transform.mirror:
        raise InputError("crop_size and mirror in transform_param are not supported yet; remove them")
    train = Net(spec, "TRAIN", source.shape, 1, seed=seed)
    Net(spec, "TEST", source.shape, 1, params=train.params)  # the TEST net must fit the same weights
    return Model(spec, source, train.params, seed)
