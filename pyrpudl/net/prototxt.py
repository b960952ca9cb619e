"""Reading Caffe's protobuf text format: nets (V2 ``layer {}`` and V1 ``layers {}``) and solvers.

V1 layers are upgraded to V2 as Caffe's upgrade_proto does: the type enum becomes the type
name, ``blobs_lr`` and ``weight_decay`` become ``param { lr_mult decay_mult }``, and a Data layer's
transform settings move from ``data_param`` to ``transform_param``. A deploy net's old ``input:``
fields (with ``input_dim`` or ``input_shape``) become an Input layer in front.
"""

from pathlib import Path

from google.protobuf import text_format

from pyrpudl.errors import InputError
from pyrpudl.proto import rpudl_model_pb2 as pb


class PrototxtError(InputError):
    """A prototxt file that does not parse; the message has the file, line and column."""

    r_class = "rpud_prototxt_error"


# V1 type enum -> V2 type name (the names Caffe's registry uses).
V1_TYPE_NAMES = {
    "ABSVAL": "AbsVal", "ACCURACY": "Accuracy", "ARGMAX": "ArgMax", "BNLL": "BNLL", "CONCAT": "Concat",
    "CONTRASTIVE_LOSS": "ContrastiveLoss", "CONVOLUTION": "Convolution", "DATA": "Data",
    "DECONVOLUTION": "Deconvolution", "DROPOUT": "Dropout", "DUMMY_DATA": "DummyData",
    "EUCLIDEAN_LOSS": "EuclideanLoss", "ELTWISE": "Eltwise", "EXP": "Exp", "FLATTEN": "Flatten",
    "HDF5_DATA": "HDF5Data", "HDF5_OUTPUT": "HDF5Output", "HINGE_LOSS": "HingeLoss", "IM2COL": "Im2col",
    "IMAGE_DATA": "ImageData", "INFOGAIN_LOSS": "InfogainLoss", "INNER_PRODUCT": "InnerProduct",
    "LRN": "LRN", "MEMORY_DATA": "MemoryData", "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss",
    "MVN": "MVN", "POOLING": "Pooling", "POWER": "Power", "RELU": "ReLU", "SIGMOID": "Sigmoid",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss", "SILENCE": "Silence", "SOFTMAX": "Softmax",
    "SOFTMAX_LOSS": "SoftmaxWithLoss", "SPLIT": "Split", "SLICE": "Slice", "TANH": "TanH",
    "WINDOW_DATA": "WindowData", "THRESHOLD": "Threshold",
}  # fmt: skip

# Layer-specific parameter messages that V1 and V2 layers share.
SHARED_FIELDS = (
    "accuracy_param", "argmax_param", "concat_param", "contrastive_loss_param", "convolution_param",
    "data_param", "dropout_param", "eltwise_param", "exp_param", "hdf5_data_param", "hinge_loss_param",
    "image_data_param", "infogain_loss_param", "inner_product_param", "lrn_param", "mvn_param",
    "pooling_param", "power_param", "relu_param", "sigmoid_param", "slice_param", "softmax_param",
    "tanh_param", "threshold_param", "transform_param", "loss_param",
)  # fmt: skip


def _is_path(source: str | Path) -> bool:
    """Whether ``source`` names a prototxt file (else it is prototxt text itself)."""
    return isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and "{" not in source)


def prototxt_folder(source: str | Path) -> Path | None:
    """The folder of the prototxt file ``source``; None for prototxt text."""
    return Path(source).expanduser().resolve().parent if _is_path(source) else None


def _read(source: str | Path) -> tuple[str, str]:
    """(text, name for messages) of a path or of prototxt text itself."""
    if _is_path(source):
        path = Path(source).expanduser()
        if not path.is_file():
            raise InputError(f"no prototxt file at {path}")
        return path.read_text(), str(path)
    return str(source), "<prototxt text>"


def _parse(source: str | Path, message):
    text, name = _read(source)
    try:
        return text_format.Parse(text, message)
    except text_format.ParseError as exc:
        line, column = exc.GetLine(), exc.GetColumn()
        detail = str(exc).split(" : ", 1)[-1] if line else str(exc)
        where = f"{name}:{line}:{column}" if line else name
        raise PrototxtError(f"{where}: {detail}") from None


def upgrade_v1_layer(old: pb.V1LayerParameter) -> pb.LayerParameter:
    """The V2 form of a V1 layer."""
    layer = pb.LayerParameter(name=old.name)
    layer.bottom.extend(old.bottom)
    layer.top.extend(old.top)
    layer.include.extend(old.include)
    layer.exclude.extend(old.exclude)
    layer.loss_weight.extend(old.loss_weight)
    type_name = pb.V1LayerParameter.LayerType.Name(old.type)
    layer.type = V1_TYPE_NAMES.get(type_name, type_name)
    for i in range(max(len(old.blobs_lr), len(old.weight_decay))):
        spec = layer.param.add()
        if i < len(old.blobs_lr):
            spec.lr_mult = old.blobs_lr[i]
        if i < len(old.weight_decay):
            spec.decay_mult = old.weight_decay[i]
    for i, name in enumerate(old.param):  # V1's names of shared parameters
        while len(layer.param) <= i:
            layer.param.add()
        layer.param[i].name = name
    for field in SHARED_FIELDS:
        if old.HasField(field):
            getattr(layer, field).CopyFrom(getattr(old, field))
    _move_data_transform(layer)
    return layer


def _move_data_transform(layer: pb.LayerParameter) -> None:
    """Old nets set scale, mean_file, crop_size and mirror in data_param; Caffe's upgrade moves them
    to transform_param."""
    data, transform = layer.data_param, layer.transform_param
    for name in ("scale", "mean_file", "crop_size", "mirror"):
        if data.HasField(name):
            setattr(transform, name, getattr(data, name))
            data.ClearField(name)


def upgrade_net_input(net: pb.NetParameter, name: str) -> None:
    """Caffe's UpgradeNetInput: the net-level ``input`` names, each with an ``input_shape`` or four
    ``input_dim`` values, become the tops of one Input layer named "input" at the front."""
    inputs = list(net.input)
    shapes = [list(shape.dim) for shape in net.input_shape]
    if not shapes and net.input_dim:
        dims = list(net.input_dim)
        if len(dims) != 4 * len(inputs):
            raise PrototxtError(
                f"{name}: {len(inputs)} input(s) need {4 * len(inputs)} input_dim values "
                f"(num, channels, height, width each), not {len(dims)}"
            )
        shapes = [dims[4 * i : 4 * i + 4] for i in range(len(inputs))]
    if shapes and len(shapes) != len(inputs):  # names alone (old weight files): dropped, as Caffe does
        raise PrototxtError(
            f"{name}: {len(inputs)} input(s) but {len(shapes)} shape(s); give each input its "
            "input_shape (or four input_dim values)"
        )
    if shapes:
        layer = pb.LayerParameter(name="input", type="Input")
        layer.top.extend(inputs)
        for dims in shapes:
            layer.input_param.shape.add().dim.extend(dims)
        net.layer.insert(0, layer)
    for field in ("input", "input_shape", "input_dim"):
        net.ClearField(field)


def parse_net(source: str | Path) -> pb.NetParameter:
    """A net from a prototxt file (or its text), V1 layers upgraded to V2 and old net-level inputs
    to an Input layer.

    Raises
    ------
    PrototxtError
        When the text does not parse, with file, line and column.
    """
    net = _parse(source, pb.NetParameter())
    if net.layers:
        if net.layer:
            raise PrototxtError(f"{_read(source)[1]}: mixes V1 'layers' and V2 'layer' blocks; use one kind")
        upgraded = [upgrade_v1_layer(old) for old in net.layers]
        del net.layers[:]
        net.layer.extend(upgraded)
    upgrade_net_input(net, _read(source)[1])
    return net


def parse_solver(source: str | Path) -> pb.SolverParameter:
    """A solver from a prototxt file (or its text)."""
    return _parse(source, pb.SolverParameter())
