"""A model: a net (from a prototxt), its data source, and everything training has learned so far.

A deploy net (Caffe's Input layer instead of Data layers, see :mod:`pyrpudl.net.deploy`) makes a
model without a data source: it predicts on the values it is given and does not train.

Models are values: training returns a new model and leaves the old one as it was, so a user can
keep a history of models (seed 000). The iteration count, the solver's histories (and which solver
type wrote them) and the data cursor travel with the model, so a second training call resumes where
the first stopped (Caffe's solverstate).
"""

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pyrpudl.backend import Backend, get_backend
from pyrpudl.data import DataSource
from pyrpudl.data.source import dims
from pyrpudl.errors import InputError
from pyrpudl.net import parse_net
from pyrpudl.net.deploy import DeployIO, deploy_io, is_deploy, with_batch
from pyrpudl.net.layers.softmax_loss import softmax
from pyrpudl.net.net import Net
from pyrpudl.net.param_buffer import ParamBuffer
from pyrpudl.net.prototxt import prototxt_folder
from pyrpudl.net.shapes import RECURRENT_TYPES, class_axis
from pyrpudl.net.state import (
    DATA_TYPES,
    FILE_DATA_TYPES,
    default_test_stages,
    layers_for_phase,
    resolve_stages,
)
from pyrpudl.net.transform import InputTransform, data_layer, input_transform
from pyrpudl.proto import rpudl_model_pb2 as pb


@dataclass
class Model:
    spec: pb.NetParameter
    source: DataSource | None  # None for a deploy net
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

    @property
    def deploy(self) -> bool:
        """A deploy net: it predicts, it does not train."""
        return self.source is None

    @property
    def label_shape(self) -> tuple[int, ...]:
        """One example's targets' shape (HDF5 data with real-valued labels); () for class labels."""
        shape = self.source.target_shape if self.source is not None else None
        return shape or ()

    @property
    def side_shapes(self) -> tuple[tuple[int, ...], ...]:
        """One example's shape in each of HDF5Data's tops after the second (none for other data)."""
        return self.source.side_shapes if self.source is not None else ()

    def example_shape(self) -> tuple[int, ...]:
        """One example as predict() takes it: a source image, or a deploy net's Input."""
        return tuple(self.source.shape) if self.source is not None else deploy_io(self.spec).example_shape

    def require_training_net(self, what: str) -> None:
        """Raises InputError for a deploy net, which ``what`` (a sentence's subject) cannot use."""
        if self.deploy:
            raise InputError(
                f"{what} needs a train/test net with Data layers and a data source; this model is a "
                "deploy net (an Input layer), which only predicts: build the model from the "
                "train/test prototxt (and load the weights with weights =) to train it"
            )

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


def net_input(model: Model, x: np.ndarray) -> np.ndarray:
    """What ``model``'s TEST Data layer gives its net for images ``x`` (rows of pixels, or an array
    (n, channels, height, width)): float32 (n, channels, height', width'), the mean subtracted,
    scaled, the centre cropped. The input a deploy net of the same net takes (Caffe's
    Transformer.preprocess)."""
    model.require_training_net("the Data layer's transform")
    return model.transform("TEST").apply(check_images(model, x).reshape(-1, *model.source.shape))


def predict(
    model: Model, x: np.ndarray, kind: str = "class", chunk: int = 100, device: "str | Backend | None" = None
) -> np.ndarray:
    """Classes (or class probabilities, ``kind="prob"``) of images ``x``: rows of pixels in
    channel, height, width order, or an array (n, channels, height, width), valued as the data
    source's pixels (0..255); for a deploy net, values as its Input takes them (scaled and centred
    as the training net's Data layer did). Runs on ``device`` (None: ``$PYRPUDL_DEVICE`` or auto).

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
        The classes (n,) coded as the data source's labels (a deploy net's: 0, 1, ...), or
        probabilities (n, classes).
    """
    if kind not in ("class", "prob"):
        raise InputError(f"unknown prediction type {kind!r}; choose 'class' or 'prob'")
    x = check_images(model, x)
    backend = get_backend(device)
    scorer = Scorer(model, model.params.to(backend), chunk)
    if scorer.io is not None and scorer.io.classes:  # the net ends in ArgMax: it gives the classes
        if kind == "prob":
            raise InputError(
                f"the deploy net ends in an ArgMax layer ({scorer.io.output!r}), which gives classes, not "
                "probabilities: predict its classes, or read the scores before it with rpudlExtractFeatures"
            )
        return scorer.classes(x)
    probabilities = scorer.probabilities(x)
    return probabilities if kind == "prob" else probabilities.argmax(axis=1).astype(np.int32)


def check_images(model: Model, x) -> "np.ndarray | dict[str, np.ndarray]":
    """``x`` as float32 examples (n, ...) for the model's net: one image (or deploy input) per row,
    or an array of them; an InputError names the size expected. A deploy net of several inputs
    takes a dict of them by name, as many rows in each (returned as such)."""
    io = deploy_io(model.spec) if model.deploy else None
    if (io is not None and io.others) or isinstance(x, dict):
        return _check_inputs(io, x)
    return _check_rows(model, x)


def _check_inputs(io: DeployIO | None, x) -> dict[str, np.ndarray]:
    names = [name for name, _ in io.inputs] if io is not None else []
    if not isinstance(x, dict) or sorted(x) != sorted(names):
        given = ", ".join(map(str, x)) if isinstance(x, dict) else "one array"
        if len(names) < 2:
            raise InputError(f"the net takes its examples as one array; x gives {given}")
        raise InputError(
            f"the deploy net has several inputs ({', '.join(names)}): give x as a list of arrays by those "
            f"names, as many rows in each; x gives {given}"
        )
    rows = {}
    for name, shape in io.inputs:
        values = np.asarray(x[name], dtype=np.float32)
        if values.ndim < 1 or (len(values) and values[0].size != int(np.prod(shape))):
            raise InputError(
                f"x${name} holds rows of {int(np.prod(values.shape[1:]))} values, but the deploy net's "
                f"input {name!r} takes {dims(shape)} = {int(np.prod(shape))} values each"
            )
        rows[name] = np.ascontiguousarray(values.reshape(len(values), *shape))
    counts = {name: len(values) for name, values in rows.items()}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{name} {count}" for name, count in counts.items())
        raise InputError(f"the inputs in x need as many rows (their first axis) each: {listed}")
    return rows


def _check_rows(model: Model, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    shape = model.example_shape()
    size = int(np.prod(shape))
    if x.ndim == 1 and x.size == size:
        x = x[None]
    per_image = int(np.prod(x.shape[1:])) if x.ndim >= 2 else x.size
    if x.ndim < 2 or per_image != size:
        crop = 0 if model.deploy else model.transform("TEST").crop
        what = "the deploy net's Input takes" if model.deploy else "the model's data are"
        raise InputError(
            f"x holds images of {per_image} values, but {what} {dims(shape)} = {size} values each"
            + (f" (give whole images: the model cuts their {crop} x {crop} centre itself)" if crop else "")
        )
    return x


# Caffe's losses over class scores and labels -> whether the blob they read holds probabilities
# already (MultinomialLogisticLoss follows its own Softmax layer)
CLASSIFIER_LOSSES = {
    "SoftmaxWithLoss": False,
    "InfogainLoss": False,
    "HingeLoss": False,
    "MultinomialLogisticLoss": True,
}


def _classifier_loss(spec: pb.NetParameter) -> pb.LayerParameter | None:
    return next((layer for layer in spec.layer if layer.type in CLASSIFIER_LOSSES), None)


def class_scores(spec: pb.NetParameter) -> str | None:
    """The blob of class scores that the net's first classifier loss reads (SoftmaxWithLoss,
    InfogainLoss, HingeLoss; MultinomialLogisticLoss's probabilities); None for a net without one
    (an autoencoder, a regression, a siamese net: it trains on its losses and predicts no class)."""
    loss = _classifier_loss(spec)
    return loss.bottom[0] if loss is not None else None


def ignored_label(spec: pb.NetParameter) -> int | None:
    """The classifier loss's ``ignore_label`` (a label that counts for nothing: LRCN's -1 at the
    timesteps that are not scored), None when it has none."""
    loss = _classifier_loss(spec)
    return (
        loss.loss_param.ignore_label
        if loss is not None and loss.loss_param.HasField("ignore_label")
        else None
    )


def class_count(spec: pb.NetParameter, blobs: dict) -> int | None:
    """How many classes :func:`class_scores` scores: its size along the loss's class axis (1, or
    a recurrent net's 2: ``softmax_param { axis: 2 }``), given the net's blob shapes."""
    loss = _classifier_loss(spec)
    if loss is None:
        return None
    shape = blobs[loss.bottom[0]]
    return shape[class_axis(loss, shape)]


def scores_are_probabilities(spec: pb.NetParameter) -> bool:
    """Whether :func:`class_scores` holds probabilities (predict() takes them as they are)."""
    loss = _classifier_loss(spec)
    return loss is not None and CLASSIFIER_LOSSES[loss.type]


class Scorer:
    """The TEST net over ``params`` (the model's, or a training run's on its device): class
    probabilities of whole images, ``chunk`` at a time. It keeps its nets (one per chunk size, each
    with its buffers) for the next call."""

    def __init__(self, model: Model, params: ParamBuffer, chunk: int = 100):
        self.model, self.params, self.chunk = model, params, chunk
        if model.deploy and any(layer.type in RECURRENT_TYPES for layer in model.spec.layer):
            # a deploy net's given timesteps all at once: a net per chunk size would start a last,
            # shorter chunk from a fresh state (a TEST net reads its files' batches, as Caffe's)
            self.chunk = 0
        self.nets: dict[int, tuple[Net, object]] = {}
        self.example_shape = model.example_shape()
        self.side_tops: list[str] = []  # HDF5Data's tops after the second
        if model.deploy:  # the Input takes the values as given; the prediction is the net's output
            self.io: DeployIO | None = deploy_io(model.spec)
            self.data_top, self.label_top = self.io.input, None
            self.scores, self.softmaxed = self.io.output, self.io.probabilities
            return
        self.io = None
        self.label_shape = model.label_shape
        targets = model.source.train_targets  # an array per example (HDF5 data): targets, label maps
        self.label_dtype = np.int32 if targets is None else targets.dtype
        self.transform = model.transform("TEST")
        self.scores = class_scores(model.spec)
        self.softmaxed = scores_are_probabilities(model.spec)
        data = model.data_layer("TEST")
        self.data_top, self.label_top = data.top[0], (data.top[1] if len(data.top) > 1 else None)
        self.side_tops = list(data.top[2:])

    def _prepare(self, images: np.ndarray) -> np.ndarray:
        """The net's input: the TEST transform of source images, a deploy net's values as given."""
        images = np.asarray(images).reshape(-1, *self.example_shape)
        if self.io is not None:
            return np.ascontiguousarray(images, dtype=np.float32)
        return self.transform.apply(images)

    def _net(self, count: int) -> tuple[Net, object]:
        """The TEST net for chunks of ``count`` images, with placeholder labels."""
        if count not in self.nets:
            model, backend = self.model, self.params.backend
            if self.io is not None:
                net = Net(
                    with_batch(model.spec, count), "TEST", None, count, params=self.params, seed=model.seed
                )
                self.nets[count] = net, None
            else:
                shape = self.transform.shape
                net = Net(model.spec, "TEST", shape, count, params=self.params, seed=model.seed,
                          label_shape=self.label_shape, side_shapes=model.side_shapes)  # fmt: skip
                placeholder = np.zeros((count, *self.label_shape), self.label_dtype)
                self.nets[count] = net, backend.to_device(placeholder)
        return self.nets[count]

    def net_shapes(self, count: int) -> dict[str, tuple[int, ...]]:
        """Every blob's shape in the TEST net for chunks of ``count`` images."""
        return self._net(count)[0].shapes.blobs

    def _need_no_sides(self) -> None:
        """Raises InputError when the net needs HDF5Data's further tops, which new examples lack
        (a deploy net's several inputs come named in ``x``: check_images asks for them)."""
        if self.side_tops:
            names = ", ".join(map(repr, self.side_tops))
            raise InputError(
                f"the net's data layer also gives {names} (from its HDF5 files) beside each example, "
                "which new examples do not have: such a net is scored on its TEST data only (its test "
                "phase, test_interval)"
            )

    def batches(self, x: np.ndarray, labels=None, sides: dict | None = None):
        """The TEST net's forward passes over images ``x`` (n, ...) of the model's example shape, a
        chunk at a time: yields (images in the chunk, the blobs, on the device). ``labels``: the
        images' labels on the device, for the net's loss and accuracy layers (else placeholders).
        ``sides``: the rows of HDF5Data's further tops on the device (the test set's), which a net
        with such tops needs."""
        backend = self.params.backend
        given = {}
        if isinstance(x, dict):  # a deploy net's inputs by name (checked by check_images)
            x, given = x[self.data_top], {name: x[name] for name, _ in self.io.others}
        elif sides is None:
            self._need_no_sides()
        step = self.chunk or max(len(x), 1)  # 0: all rows at once
        for start in range(0, len(x), step):
            part = self._prepare(x[start : start + step])
            count = len(part)
            net, placeholder = self._net(count)
            feed = {self.data_top: backend.to_device(part)}
            if self.label_top is not None:
                if labels is None:
                    feed[self.label_top] = placeholder
                else:  # rows of the labels (targets: flat rows, viewed in their shape)
                    feed[self.label_top] = backend.view(
                        labels[start : start + count], (count, *self.label_shape)
                    )
            for name in self.side_tops:
                feed[name] = sides[name][start : start + count]
            for name, rows in given.items():
                feed[name] = backend.to_device(np.ascontiguousarray(rows[start : start + count]))
            yield count, net.forward(feed, train=False)

    def classes(self, x: np.ndarray) -> np.ndarray:
        """int32 (n,) of a deploy net whose output is an ArgMax's top-1 index per example."""
        to_host = self.params.backend.to_host
        found = [to_host(blobs[self.scores]).reshape(count) for count, blobs in self.batches(x)]
        return np.concatenate(found).astype(np.int32) if found else np.empty(0, np.int32)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """float32 (n, classes) for images ``x`` (n, ...) of the model's example shape."""
        if self.scores is None:
            raise InputError(
                "the net scores no classes (it has no classifier loss such as SoftmaxWithLoss: an "
                "autoencoder, a regression or a siamese net), so there is nothing to predict a class "
                "from; read what it computes with "
                "rpudlExtractFeatures(model, x, blob), e.g. its reconstruction or its code layer"
            )
        if not isinstance(x, dict):
            self._need_no_sides()
        shape = self.net_shapes(1)[self.scores]
        if self.io is not None and self.io.class_axis % len(shape) != 1:
            raise InputError(
                f"the deploy net's output {self.scores!r} holds classes along axis {self.io.class_axis} "
                f"(its shape {list(shape)}: a recurrent net's, per timestep and stream), not one row per "
                f"example; read it with rpudlExtractFeatures(model, x, {self.scores!r})"
            )
        if math.prod(shape[2:]) > 1:
            raise InputError(
                f"the net scores {shape[1]} classes at each of {' x '.join(map(str, shape[2:]))} positions "
                "(a segmentation), not one class per example; read its scores with "
                f"rpudlExtractFeatures(model, x, {self.scores!r})"
            )
        to_host = self.params.backend.to_host
        results = []
        for count, blobs in self.batches(x):
            scores = to_host(blobs[self.scores]).reshape(count, -1)
            results.append(np.array(scores, np.float32) if self.softmaxed else softmax(scores))
        return np.concatenate(results) if results else np.empty((0, 0), np.float32)


def create_model(
    prototxt: str | Path,
    source: DataSource | None = None,
    seed: int = 0,
    stages: tuple[str, ...] | None = None,
) -> Model:
    """Build a model from a train/test prototxt whose Data layers read ``source``, or from a deploy
    prototxt (an Input layer, no source) that predicts only.

    Parameters
    ----------
    prototxt
        A Caffe train/test or deploy prototxt (V2 ``layer {}`` or V1 ``layers {}``).
    source
        The data source a train/test net's Data layers read; None for a deploy net.
    seed
        Seed of the initial weights (and of dropout).
    stages
        The stages of the TEST net (Caffe's NetState stage, as a solver's ``test_state`` gives
        them), for layers included or excluded by stage. None: none, unless the TEST phase has
        Data layers only under stages; then the first one's (see
        :func:`pyrpudl.net.state.default_test_stages`).

    Returns
    -------
    Model
        An untrained model.

    Raises
    ------
    InputError
        When the net has neither Data nor Input layers, when a train/test net lacks a source or a
        deploy net is given one, when its transform needs a mean the data source lacks, or when
        shapes do not fit (see :func:`pyrpudl.net.infer_shapes`).
    """
    spec = parse_net(prototxt)
    spec = resolve_stages(spec, default_test_stages(spec) if stages is None else tuple(stages))
    if any(layer.type == "Python" for layer in spec.layer):
        from pyrpudl.net.python_code import look_beside

        look_beside(prototxt_folder(prototxt))  # their modules may lie beside the prototxt
    if is_deploy(spec):
        if source is not None:
            raise InputError(
                "the prototxt is a deploy net (an Input layer, no Data layer): it predicts on the values "
                "given to predict() and reads no data source; leave the data source out, or give the "
                "train/test prototxt to train on it"
            )
        io = deploy_io(spec)
        net = Net(with_batch(spec, 1), "TEST", None, 1, seed=seed)
        if io.output not in net.shapes.blobs or len(net.shapes.blobs[io.output]) < 2:
            raise InputError(f"the deploy net's output {io.output!r} is not one row of scores per example")
        return Model(spec, None, net.params, seed)
    if not any(layer.type in DATA_TYPES for layer in spec.layer):
        feeder = next(
            (layer for layer in spec.layer if layer.type in ("Python", "DummyData") and not layer.bottom),
            None,
        )
        if feeder is not None:
            raise InputError(
                f"layer {feeder.name!r} ({feeder.type}, no bottoms) would feed the net itself; nets fed "
                "by a Python data layer or DummyData are not built: read the data with a Data, "
                "MemoryData, HDF5Data or ImageData layer (or use a deploy net's Input to predict)"
            )
        raise InputError(
            "the model's prototxt has no Data layer to read a data source and no Input layer; use a "
            "train/test net (or a deploy net for prediction)"
        )
    if source is None and data_layer(spec, "TRAIN").type in FILE_DATA_TYPES:
        source = _file_source(spec, prototxt)
    if source is None:
        raise InputError(
            "the net's Data layers read a data source: give one (rpudlCreateDataSource()), or use a "
            "deploy prototxt (an Input layer) to predict only"
        )
    train_shape, test_shape = (input_transform(spec, source, phase).shape for phase in ("TRAIN", "TEST"))
    if train_shape != test_shape:
        raise InputError(
            f"the TRAIN phase's Data layer gives the net images of {dims(train_shape)} but the TEST "
            f"phase's {dims(test_shape)}; give both the same crop_size"
        )
    _check_memory_data(spec, train_shape)
    labels, sides = source.target_shape or (), source.side_shapes
    train = Net(spec, "TRAIN", train_shape, 1, seed=seed, label_shape=labels, side_shapes=sides)
    # the same weights must fit
    Net(spec, "TEST", test_shape, 1, params=train.params, label_shape=labels, side_shapes=sides)
    return Model(spec, source, train.params, seed)


def _check_memory_data(spec: pb.NetParameter, shape: tuple[int, ...]) -> None:
    """Caffe's MemoryData layers read the data source here; the sizes they give must be its
    examples' (after the transform)."""
    for layer in spec.layer:
        if layer.type != "MemoryData":
            continue
        p = layer.memory_data_param
        given = (p.channels, p.height, p.width)
        if any(given) and (len(shape) != 3 or given != tuple(shape)):
            raise InputError(
                f"layer {layer.name!r} (MemoryData) gives examples of {dims(given)}, but the data source's "
                f"are {dims(shape)}; make channels, height and width the data's (or leave them out)"
            )


def _file_source(spec: pb.NetParameter, prototxt) -> DataSource:
    """The data of a net fed by HDF5Data or ImageData layers, from the files they name (looked for
    as written, then beside the prototxt), as Caffe reads them."""
    from pyrpudl.data.hdf5_data import hdf5_data_source
    from pyrpudl.data.image_data import image_data_source

    train = data_layer(spec, "TRAIN")
    test = next((layer for layer in layers_for_phase(spec, "TEST") if layer.type in DATA_TYPES), None)
    if test is not None and test.type != train.type:
        raise InputError(
            f"the TRAIN phase reads {train.type} files but the TEST phase's layer {test.name!r} is a "
            f"{test.type} layer; make both {train.type}, or give a data source"
        )
    folder = prototxt_folder(prototxt)
    folders = (folder,) if folder is not None else ()
    if train.type == "HDF5Data":
        return hdf5_data_source(train, test, class_scores(spec) is not None, folders, ignored_label(spec))
    return image_data_source(train, test, folders)
