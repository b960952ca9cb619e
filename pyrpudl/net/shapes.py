"""Blob and parameter shapes of a net, by Caffe's rules, before anything is allocated.

``infer_shapes`` walks the layers of one phase and says, for each, the shapes of its tops and of
its parameters (weights, then bias), or which layer and shapes do not fit. The layer
implementations use the same rules (``conv_output_size``, ``pool_output_size``).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from pyrpudl.errors import InputError
from pyrpudl.net.state import DATA_TYPES
from pyrpudl.proto import rpudl_model_pb2 as pb

Shape = tuple[int, ...]


class ShapeError(InputError):
    """A layer's inputs do not fit it; the message names the layer and the shapes."""

    r_class = "rpud_shape_error"


def conv_output_size(size: int, kernel: int, pad: int, stride: int, dilation: int = 1) -> int:
    """Caffe's convolution output: floor((size + 2 pad - extent) / stride) + 1."""
    extent = dilation * (kernel - 1) + 1
    return (size + 2 * pad - extent) // stride + 1


def pool_output_size(size: int, kernel: int, pad: int, stride: int, ceil_mode: bool = True) -> int:
    """Caffe's pooling output: ceil((size + 2 pad - kernel) / stride) + 1, without a last window
    that would start in the padding (at or past size + pad)."""
    span = size + 2 * pad - kernel
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if pad > 0 and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pair(repeated, single_h: int | None, single_w: int | None, default: int | None, what: str, layer):
    if single_h is not None or single_w is not None:
        if single_h is None or single_w is None:
            raise ShapeError(f"layer {layer.name!r}: give both {what}_h and {what}_w")
        return single_h, single_w
    values = list(repeated)
    if not values:
        if default is None:
            raise ShapeError(f"layer {layer.name!r}: {what}_size (or {what}_h and {what}_w) is required")
        return default, default
    if len(values) == 1:
        return values[0], values[0]
    if len(values) == 2:
        return values[0], values[1]
    raise ShapeError(f"layer {layer.name!r}: only 2-D {what}s are supported, not {len(values)} values")


def _opt(message, name):
    return getattr(message, name) if message.HasField(name) else None


@dataclass(frozen=True)
class Window:
    """A 2-D kernel or pooling window: size, padding, stride, dilation (height, width)."""

    kh: int
    kw: int
    ph: int = 0
    pw: int = 0
    sh: int = 1
    sw: int = 1
    dh: int = 1
    dw: int = 1

    @property
    def args(self) -> tuple[int, ...]:
        """(kh, kw, ph, pw, sh, sw), the order the kernels take."""
        return self.kh, self.kw, self.ph, self.pw, self.sh, self.sw

    @property
    def dilated_args(self) -> tuple[int, ...]:
        """(kh, kw, ph, pw, sh, sw, dh, dw), the order im2col and col2im take."""
        return (*self.args, self.dh, self.dw)


def conv_window(layer: pb.LayerParameter) -> Window:
    p = layer.convolution_param
    kh, kw = _pair(p.kernel_size, _opt(p, "kernel_h"), _opt(p, "kernel_w"), None, "kernel", layer)
    ph, pw = _pair(p.pad, _opt(p, "pad_h"), _opt(p, "pad_w"), 0, "pad", layer)
    sh, sw = _pair(p.stride, _opt(p, "stride_h"), _opt(p, "stride_w"), 1, "stride", layer)
    dh, dw = _pair(p.dilation, None, None, 1, "dilation", layer)
    return Window(kh, kw, ph, pw, sh, sw, dh, dw)


def pool_window(layer: pb.LayerParameter, height: int, width: int) -> Window:
    p = layer.pooling_param
    if p.global_pooling:
        return Window(height, width)
    kh, kw = _pair([p.kernel_size] if p.HasField("kernel_size") else [], _opt(p, "kernel_h"),
                   _opt(p, "kernel_w"), None, "kernel", layer)  # fmt: skip
    ph, pw = _pair([p.pad], _opt(p, "pad_h"), _opt(p, "pad_w"), 0, "pad", layer)
    sh, sw = _pair([p.stride], _opt(p, "stride_h"), _opt(p, "stride_w"), 1, "stride", layer)
    if ph >= kh or pw >= kw:
        raise ShapeError(f"layer {layer.name!r}: the padding must be smaller than the kernel")
    return Window(kh, kw, ph, pw, sh, sw)


def _checked_window(layer: pb.LayerParameter, channels: int) -> Window:
    """A (de)convolution's window, after checking its outputs and groups against ``channels``."""
    p = layer.convolution_param
    if not p.num_output:
        raise ShapeError(f"layer {layer.name!r}: convolution_param needs num_output")
    if channels % p.group or p.num_output % p.group:
        raise ShapeError(
            f"layer {layer.name!r}: group {p.group} must divide the {channels} input channels and the "
            f"{p.num_output} outputs"
        )
    return conv_window(layer)


def _convolution(layer: pb.LayerParameter, bottoms: list[Shape]):
    p = layer.convolution_param
    n, c, h, w = _image(layer, bottoms[0])
    win = _checked_window(layer, c)
    oh, ow = (
        conv_output_size(h, win.kh, win.ph, win.sh, win.dh),
        conv_output_size(w, win.kw, win.pw, win.sw, win.dw),
    )
    if oh < 1 or ow < 1:
        raise ShapeError(
            f"layer {layer.name!r}: a {win.kh}x{win.kw} kernel does not fit its {h}x{w} input {bottoms[0]}"
        )
    params = [(p.num_output, c // p.group, win.kh, win.kw)] + ([(p.num_output,)] if p.bias_term else [])
    return [(n, p.num_output, oh, ow)], params


def _pooling(layer: pb.LayerParameter, bottoms: list[Shape]):
    n, c, h, w = _image(layer, bottoms[0])
    win = pool_window(layer, h, w)
    if layer.pooling_param.global_pooling:
        return [(n, c, 1, 1)], []
    ceil_mode = layer.pooling_param.round_mode == pb.PoolingParameter.CEIL
    oh = pool_output_size(h, win.kh, win.ph, win.sh, ceil_mode)
    ow = pool_output_size(w, win.kw, win.pw, win.sw, ceil_mode)
    if oh < 1 or ow < 1:
        raise ShapeError(
            f"layer {layer.name!r}: a {win.kh}x{win.kw} window does not fit its input {bottoms[0]}"
        )
    return [(n, c, oh, ow)], []


def _inner_product(layer: pb.LayerParameter, bottoms: list[Shape]):
    p = layer.inner_product_param
    if not p.num_output:
        raise ShapeError(f"layer {layer.name!r}: inner_product_param needs num_output")
    axis = p.axis % len(bottoms[0])
    inputs = math.prod(bottoms[0][axis:])
    weights = (inputs, p.num_output) if p.transpose else (p.num_output, inputs)
    params = [weights] + ([(p.num_output,)] if p.bias_term else [])
    return [(*bottoms[0][:axis], p.num_output)], params


def _same(layer: pb.LayerParameter, bottoms: list[Shape]):
    return [bottoms[0]], []


def _softmax_loss(layer: pb.LayerParameter, bottoms: list[Shape]):
    _check_labels(layer, bottoms)
    return [()], []


def _classifier_loss(layer: pb.LayerParameter, bottoms: list[Shape]):
    """HingeLoss, MultinomialLogisticLoss, InfogainLoss: scores (or probabilities) and labels;
    InfogainLoss may take its matrix as a third bottom and give its probabilities as a second top."""
    _check_labels(layer, bottoms)
    classes = bottoms[0][1]
    if layer.type == "InfogainLoss":
        if len(bottoms) > 2 and math.prod(bottoms[2]) != classes * classes:
            raise ShapeError(
                f"layer {layer.name!r}: its infogain matrix {bottoms[2]} must hold {classes} x {classes} "
                "values"
            )
        return [(), bottoms[0]][: max(1, len(layer.top))], []
    if math.prod(bottoms[0][2:]) != 1:
        raise ShapeError(
            f"layer {layer.name!r} ({layer.type}) takes one row of scores per example, not {bottoms[0]}"
        )
    return [()], []


def _accuracy(layer: pb.LayerParameter, bottoms: list[Shape]):
    _check_labels(layer, bottoms)
    return [()] * max(1, len(layer.top)), []


def _paired_loss(layer: pb.LayerParameter, bottoms: list[Shape]):
    """EuclideanLoss and SigmoidCrossEntropyLoss: predictions and targets, one target per value
    (Caffe's EuclideanLoss also needs the same batch)."""
    if len(bottoms) != 2:
        raise ShapeError(
            f"layer {layer.name!r} ({layer.type}) needs two bottoms, predictions and targets, "
            f"not {len(bottoms)}"
        )
    values, targets = bottoms
    same_batch = layer.type != "EuclideanLoss" or values[:1] == targets[:1]
    if math.prod(values) != math.prod(targets) or not same_batch:
        raise ShapeError(
            f"layer {layer.name!r} ({layer.type}): the targets {targets} do not match the predictions "
            f"{values}; give one target per predicted value"
        )
    return [()], []


def _contrastive_loss(layer: pb.LayerParameter, bottoms: list[Shape]):
    """ContrastiveLoss: two rows of features per example, and the pair's similarity."""
    if len(bottoms) != 3:
        raise ShapeError(
            f"layer {layer.name!r} (ContrastiveLoss) needs three bottoms: two features and the similarity "
            f"of each pair, not {len(bottoms)}"
        )
    a, b, similar = bottoms
    if a != b or len(a) < 2 or math.prod(a[2:]) != 1:
        raise ShapeError(
            f"layer {layer.name!r} (ContrastiveLoss): its features must be two blobs of one shape (N, C) "
            f"or (N, C, 1, 1), not {a} and {b}"
        )
    if math.prod(similar) != a[0]:
        raise ShapeError(
            f"layer {layer.name!r} (ContrastiveLoss): {math.prod(similar)} similarities {similar} for "
            f"{a[0]} pairs; give one per pair"
        )
    return [()], []


def _flatten(layer: pb.LayerParameter, bottoms: list[Shape]):
    shape = bottoms[0]
    start = layer.flatten_param.axis % len(shape)
    end = layer.flatten_param.end_axis % len(shape)
    return [(*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])], []


def _split(layer: pb.LayerParameter, bottoms: list[Shape]):
    return [bottoms[0]] * len(layer.top), []


def _silence(layer: pb.LayerParameter, bottoms: list[Shape]):
    return [], []


def _reshape(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's Reshape: ``shape`` replaces ``num_axes`` axes from ``axis`` (-1: to the end); a 0
    keeps the bottom's size there, one -1 takes what the count leaves."""
    p, shape = layer.reshape_param, bottoms[0]
    axis = p.axis if p.axis >= 0 else len(shape) + p.axis + 1
    end = len(shape) if p.num_axes == -1 else axis + p.num_axes
    if not 0 <= axis <= end <= len(shape):
        raise ShapeError(
            f"layer {layer.name!r}: axis {p.axis} and num_axes {p.num_axes} do not fit a bottom of "
            f"{list(shape)}"
        )
    dims = list(p.shape.dim)
    if any(d == 0 and axis + i >= len(shape) for i, d in enumerate(dims)) or any(d < -1 for d in dims):
        raise ShapeError(
            f"layer {layer.name!r}: reshape_param dim {dims} does not fit a bottom of {list(shape)}"
        )
    new = [shape[axis + i] if d == 0 else d for i, d in enumerate(dims)]
    if new.count(-1) > 1:
        raise ShapeError(f"layer {layer.name!r}: at most one reshape_param dim may be -1, not {dims}")
    replaced = math.prod(shape[axis:end])
    known = math.prod(d for d in new if d != -1)
    if -1 in new:
        if known == 0 or replaced % known:
            raise ShapeError(
                f"layer {layer.name!r}: {replaced} values of {list(shape)} do not divide into {dims}"
            )
        new[new.index(-1)] = replaced // known
    elif known != replaced:
        raise ShapeError(
            f"layer {layer.name!r}: cannot reshape {list(shape)} ({replaced} values there) to {dims}"
        )
    return [(*shape[:axis], *new, *shape[end:])], []


def _concat(layer: pb.LayerParameter, bottoms: list[Shape]):
    p = layer.concat_param
    axis = (p.axis if p.HasField("axis") or not p.HasField("concat_dim") else p.concat_dim) % len(bottoms[0])
    first = bottoms[0]
    for other in bottoms[1:]:
        if len(other) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(first, other, strict=True)) if i != axis
        ):
            raise ShapeError(
                f"layer {layer.name!r}: cannot concatenate {first} and {other} along axis {axis}; "
                "the other dimensions must agree"
            )
    return [(*first[:axis], sum(s[axis] for s in bottoms), *first[axis + 1 :])], []


def _eltwise(layer: pb.LayerParameter, bottoms: list[Shape]):
    if any(shape != bottoms[0] for shape in bottoms):
        raise ShapeError(f"layer {layer.name!r}: Eltwise needs inputs of one shape, not {bottoms}")
    return [bottoms[0]], []


def _image(layer, shape: Shape) -> Shape:
    if len(shape) != 4:
        raise ShapeError(f"layer {layer.name!r} ({layer.type}) needs a 4-D input (N, C, H, W), not {shape}")
    return shape


def _axis(layer: pb.LayerParameter, axis: int, shape: Shape) -> int:
    """``axis`` (negative: from the end) of ``shape``, checked."""
    if not -len(shape) <= axis < len(shape):
        raise ShapeError(f"layer {layer.name!r} ({layer.type}): axis {axis} is outside {list(shape)}")
    return axis % len(shape)


def class_axis(layer, shape: Shape) -> int:
    """The axis of a classifier's classes: ``softmax_param.axis`` for SoftmaxWithLoss,
    ``accuracy_param.axis`` for Accuracy (Caffe's; -1 is the last), else 1."""
    axis = {"SoftmaxWithLoss": layer.softmax_param.axis, "Accuracy": layer.accuracy_param.axis}.get(
        layer.type, 1
    )
    return _axis(layer, axis, shape)


def _check_labels(layer, bottoms: list[Shape]) -> None:
    if len(bottoms) < 2:
        raise ShapeError(f"layer {layer.name!r} ({layer.type}) needs two bottoms: scores and labels")
    scores, labels = bottoms[0], bottoms[1]
    axis = class_axis(layer, scores)
    if math.prod(labels) != math.prod(scores) // max(scores[axis], 1):
        where = "example" if axis == 1 else f"position of the axes around the classes (axis {axis})"
        raise ShapeError(
            f"layer {layer.name!r}: {math.prod(labels)} labels {labels} for scores of shape {scores}; "
            f"there must be one label per {where} (a label map: one per position of the scores)"
        )


def _deconvolution(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's: output stride·(in − 1) + dilation·(kernel − 1) + 1 − 2·pad, the size a convolution
    with the same window maps back to the input's."""
    p = layer.convolution_param
    n, c, h, w = _image(layer, bottoms[0])
    win = _checked_window(layer, c)
    oh = win.sh * (h - 1) + win.dh * (win.kh - 1) + 1 - 2 * win.ph
    ow = win.sw * (w - 1) + win.dw * (win.kw - 1) + 1 - 2 * win.pw
    if oh < 1 or ow < 1:
        raise ShapeError(f"layer {layer.name!r}: the padding leaves no output for its {h}x{w} input")
    params = [(c, p.num_output // p.group, win.kh, win.kw)] + ([(p.num_output,)] if p.bias_term else [])
    return [(n, p.num_output, oh, ow)], params


def _prelu(layer: pb.LayerParameter, bottoms: list[Shape]):
    if len(bottoms[0]) < 2:
        raise ShapeError(f"layer {layer.name!r} (PReLU) needs a bottom with channels, not {bottoms[0]}")
    return [bottoms[0]], [(1,) if layer.prelu_param.channel_shared else (bottoms[0][1],)]


def _batch_norm(layer: pb.LayerParameter, bottoms: list[Shape]):
    if len(bottoms[0]) < 2:
        raise ShapeError(f"layer {layer.name!r} (BatchNorm) needs a bottom with channels, not {bottoms[0]}")
    channels = bottoms[0][1]
    return [bottoms[0]], [(channels,), (channels,), (1,)]


def broadcast_axes(layer: pb.LayerParameter, bottoms: list[Shape]) -> tuple[int, Shape]:
    """Caffe's Scale and Bias: the first axis their factors (shifts) apply along, and the shape of
    those, either a second bottom's (which must match the first bottom's axes from ``axis``) or,
    learned, the first bottom's ``num_axes`` axes from ``axis`` (-1: all the rest; 0: one scalar)."""
    param = layer.scale_param if layer.type == "Scale" else layer.bias_param
    shape = bottoms[0]
    if len(bottoms) > 2:
        raise ShapeError(f"layer {layer.name!r} ({layer.type}) takes one or two bottoms, not {len(bottoms)}")
    if not -len(shape) <= param.axis <= len(shape) - (1 if len(bottoms) == 1 else 0):
        raise ShapeError(f"layer {layer.name!r} ({layer.type}): axis {param.axis} is outside {list(shape)}")
    axis = param.axis % len(shape) if param.axis != len(shape) else len(shape)
    learned = len(bottoms) == 1 or (layer.type == "Scale" and layer.scale_param.bias_term)
    if learned and axis == 0:
        raise ShapeError(
            f"layer {layer.name!r} ({layer.type}): learned values along axis 0 would be one per example of "
            "the batch; start at axis 1 or later"
        )
    if len(bottoms) == 2:
        given = tuple(bottoms[1])
        if tuple(shape[axis : axis + len(given)]) != given:
            raise ShapeError(
                f"layer {layer.name!r} ({layer.type}): its second bottom {list(given)} must match the first "
                f"bottom {list(shape)} from axis {axis}"
            )
        return axis, given
    if param.num_axes < -1 or axis + param.num_axes > len(shape):
        raise ShapeError(
            f"layer {layer.name!r} ({layer.type}): num_axes {param.num_axes} from axis {axis} does not fit "
            f"{list(shape)}; give -1 (every axis from there), 0 (one value) or a count that fits"
        )
    end = len(shape) if param.num_axes == -1 else axis + param.num_axes
    return axis, tuple(shape[axis:end])


def _scale(layer: pb.LayerParameter, bottoms: list[Shape]):
    _, factors = broadcast_axes(layer, bottoms)
    params = [factors] if len(bottoms) == 1 else []
    return [bottoms[0]], params + ([factors] if layer.scale_param.bias_term else [])


def _bias(layer: pb.LayerParameter, bottoms: list[Shape]):
    _, shifts = broadcast_axes(layer, bottoms)
    return [bottoms[0]], ([shifts] if len(bottoms) == 1 else [])


def slice_points(layer: pb.LayerParameter, shape: Shape) -> tuple[int, list[int]]:
    """(axis, where each top starts along it) of Caffe's Slice: at ``slice_point``s (one fewer
    than the tops, increasing, inside the axis), else in equal parts."""
    p = layer.slice_param
    axis = (p.axis if p.HasField("axis") or not p.HasField("slice_dim") else p.slice_dim) % len(shape)
    size, tops = shape[axis], len(layer.top)
    points = list(p.slice_point)
    if points:
        if len(points) != tops - 1 or points != sorted(set(points)) or not 0 < points[0] <= points[-1] < size:
            raise ShapeError(
                f"layer {layer.name!r}: {tops} tops need {tops - 1} increasing slice_points inside axis "
                f"{axis}'s 1..{size - 1}, not {points}"
            )
    elif tops < 1 or size % tops:
        raise ShapeError(
            f"layer {layer.name!r}: axis {axis} of {list(shape)} ({size}) does not split into {tops} "
            "equal parts; give slice_point"
        )
    else:
        points = [size // tops * i for i in range(1, tops)]
    return axis, [0, *points]


def argmax_axes(layer: pb.LayerParameter, shape: Shape) -> tuple[int | None, int]:
    """ArgMax's axis (None: over all of an example's values) and the number of values it picks
    from (checked against top_k)."""
    param = layer.argmax_param
    if param.HasField("axis"):
        if not -len(shape) <= param.axis < len(shape):
            raise ShapeError(f"layer {layer.name!r} (ArgMax): axis {param.axis} is outside {list(shape)}")
        axis = param.axis % len(shape)
        size = shape[axis]
    else:
        axis, size = None, math.prod(shape[1:])
    if not 1 <= param.top_k <= size:
        raise ShapeError(
            f"layer {layer.name!r} (ArgMax): top_k {param.top_k} must be 1 to the {size} values it ranks"
        )
    return axis, size


def _argmax(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's: with an axis, the bottom's shape with top_k there; else (N, 1, top_k) with the
    values beside the indices ((N, 2, top_k)) for out_max_val, padded to the bottom's axes."""
    shape = bottoms[0]
    axis, _ = argmax_axes(layer, shape)
    top_k = layer.argmax_param.top_k
    if axis is not None:
        return [(*shape[:axis], top_k, *shape[axis + 1 :])], []
    top = [1] * max(3, len(shape))
    top[0], top[1], top[2] = shape[0], 2 if layer.argmax_param.out_max_val else 1, top_k
    return [tuple(top)], []


def crop_offsets(layer: pb.LayerParameter, bottoms: list[Shape]) -> tuple[int, list[int]]:
    """Caffe's Crop: the first cropped axis, and the offset on each axis from there (none given:
    0; one: the same on every cropped axis; else one per cropped axis)."""
    if len(bottoms) != 2:
        raise ShapeError(
            f"layer {layer.name!r} (Crop) needs two bottoms: the blob to crop and one of the size wanted"
        )
    shape, like = bottoms
    if len(shape) != len(like):
        raise ShapeError(f"layer {layer.name!r} (Crop): {shape} and {like} have different numbers of axes")
    param = layer.crop_param
    if not -len(shape) <= param.axis < len(shape):
        raise ShapeError(
            f"layer {layer.name!r} (Crop): axis {param.axis} is outside the blob's {len(shape)} axes"
        )
    axis = param.axis % len(shape)
    cropped = len(shape) - axis
    given = list(param.offset)
    if len(given) not in (0, 1, cropped):
        raise ShapeError(
            f"layer {layer.name!r} (Crop): {len(given)} offsets for {cropped} cropped axes; give none, one, "
            f"or one per axis from axis {axis}"
        )
    offsets = given * cropped if len(given) == 1 else (given or [0] * cropped)
    for i, offset in zip(range(axis, len(shape)), offsets, strict=True):
        if offset + like[i] > shape[i]:
            raise ShapeError(
                f"layer {layer.name!r} (Crop): axis {i} of {shape} is too small for a crop of {like[i]} at "
                f"offset {offset}"
            )
    return axis, offsets


def _crop(layer: pb.LayerParameter, bottoms: list[Shape]):
    axis, _ = crop_offsets(layer, bottoms)
    return [(*bottoms[0][:axis], *bottoms[1][axis:])], []


def _reduction(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's Reduction: the axes before ``axis`` (none: one value)."""
    return [bottoms[0][: _axis(layer, layer.reduction_param.axis, bottoms[0])]], []


def _tile(layer: pb.LayerParameter, bottoms: list[Shape]):
    shape, tiles = bottoms[0], layer.tile_param.tiles
    axis = _axis(layer, layer.tile_param.axis, shape)
    if tiles < 1:
        raise ShapeError(f"layer {layer.name!r} (Tile): tiles must be at least 1, not {tiles}")
    return [(*shape[:axis], shape[axis] * tiles, *shape[axis + 1 :])], []


def _embed(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's Embed: each bottom value (an index) becomes num_output values; weights
    (input_dim, num_output), bias (num_output)."""
    p = layer.embed_param
    if p.num_output < 1 or p.input_dim < 1:
        raise ShapeError(
            f"layer {layer.name!r} (Embed) needs num_output and input_dim (how many indices) of at least 1"
        )
    params = [(p.input_dim, p.num_output)] + ([(p.num_output,)] if p.bias_term else [])
    return [(*bottoms[0], p.num_output)], params


def _parameter(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's Parameter: no bottom, one learned blob of parameter_param.shape as its top."""
    shape = tuple(layer.parameter_param.shape.dim)
    if bottoms or not shape or min(shape) < 1:
        raise ShapeError(
            f"layer {layer.name!r} (Parameter) takes no bottom and needs parameter_param {{ shape {{ dim: "
            f"... }} }} of sizes of at least 1; got {len(bottoms)} bottoms and shape {list(shape)}"
        )
    return [shape], [shape]


def _batch_reindex(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's BatchReindex: top[i] = data[permut[i]], permut a vector of indices of data's rows."""
    if len(bottoms) != 2 or len(bottoms[1]) != 1:
        raise ShapeError(
            f"layer {layer.name!r} (BatchReindex) takes two bottoms, the data and a vector of row indices "
            f"(its permut); got {[list(b) for b in bottoms]}"
        )
    return [(bottoms[1][0], *bottoms[0][1:])], []


def spp_levels(layer: pb.LayerParameter, height: int, width: int) -> list[pb.LayerParameter]:
    """The Pooling layers of Caffe's SPP, one per pyramid level i: 2^i x 2^i bins, each a window of
    ceil(size / bins) with stride the window and padding (window·bins − size + 1) / 2 (Caffe's
    SPPLayer::GetPoolingParam)."""
    p = layer.spp_param
    if p.pyramid_height < 1:
        raise ShapeError(f"layer {layer.name!r} (SPP) needs spp_param {{ pyramid_height }} of at least 1")
    if p.pool == pb.SPPParameter.STOCHASTIC:
        raise ShapeError(
            f"layer {layer.name!r} (SPP): STOCHASTIC pooling is not built for SPP; use MAX or AVE"
        )
    levels = []
    for level in range(p.pyramid_height):
        bins = 2**level
        kh, kw = math.ceil(height / bins), math.ceil(width / bins)
        ph, pw = (kh * bins - height + 1) // 2, (kw * bins - width + 1) // 2
        if (
            ph >= kh
            or pw >= kw
            or pool_output_size(height, kh, ph, kh) != bins
            or (pool_output_size(width, kw, pw, kw) != bins)
        ):
            raise ShapeError(
                f"layer {layer.name!r} (SPP): its {height}x{width} input is too small for pyramid level "
                f"{level} ({bins}x{bins} bins); use a smaller pyramid_height or a larger input"
            )
        pooling = pb.PoolingParameter(pool=int(p.pool), kernel_h=kh, kernel_w=kw, stride_h=kh, stride_w=kw,
                                      pad_h=ph, pad_w=pw)  # fmt: skip
        levels.append(
            pb.LayerParameter(name=f"{layer.name}/level{level}", type="Pooling", pooling_param=pooling)
        )
    return levels


def _spp(layer: pb.LayerParameter, bottoms: list[Shape]):
    """One level: the pooling's (N, C, 1, 1), as Caffe's; more: (N, C·Σ 4^i), the levels flattened
    and concatenated."""
    n, c, h, w = _image(layer, bottoms[0])
    levels = spp_levels(layer, h, w)
    if len(levels) == 1:
        return [(n, c, 1, 1)], []
    return [(n, c * sum(4**i for i in range(len(levels))))], []


def _im2col(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's Im2col: (N, C, H, W) -> (N, C·kh·kw, oh, ow), the columns a convolution multiplies."""
    n, c, h, w = _image(layer, bottoms[0])
    win = conv_window(layer)
    oh = conv_output_size(h, win.kh, win.ph, win.sh, win.dh)
    ow = conv_output_size(w, win.kw, win.pw, win.sw, win.dw)
    if oh < 1 or ow < 1:
        raise ShapeError(
            f"layer {layer.name!r}: a {win.kh}x{win.kw} kernel does not fit its input {bottoms[0]}"
        )
    return [(n, c * win.kh * win.kw, oh, ow)], []


def _python(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's Python layer: its tops as the user's setup and reshape shape them, and the learned
    blobs its setup adds."""
    from pyrpudl.net import python_code  # imports the user's module: only for nets that have one

    probe = python_code.probe(layer, bottoms)
    return list(probe.top_shapes), list(probe.blob_shapes)


RECURRENT_TYPES = ("RNN", "LSTM")  # layers whose state runs on from one forward pass to the next


def recurrent_states(layer: pb.LayerParameter) -> int:
    """How many hidden states an RNN (h) or LSTM (h, c) keeps: with ``expose_hidden`` each is a
    bottom (its value before the first timestep) and a top (after the last), in that order."""
    return 2 if layer.type == "LSTM" else 1


def recurrent_static_input(layer: pb.LayerParameter) -> bool:
    """Whether an RNN or LSTM has Caffe's third bottom, an input shared by every timestep (the
    bottoms after it are the exposed hidden states)."""
    exposed = recurrent_states(layer) if layer.recurrent_param.expose_hidden else 0
    return len(layer.bottom) > 2 + exposed


def _recurrent(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's RNN and LSTM: x (T, N, ...) of T timesteps of N streams, cont (T, N) (0 where a
    stream's sequence starts), and x_static (N, ...) optionally; top (T, N, num_output). With
    ``expose_hidden``, the states before the first timestep are further bottoms and those after
    the last further tops (h, and LSTM's c; each (1, N, H)).
    Parameters in Caffe's order: LSTM W_xc (4H, D), b_c (4H), [W_xc_static (4H, S)], W_hc (4H, H);
    RNN W_xh (H, D), b_h (H), [W_xh_static (H, S)], W_hh (H, H), W_ho (H, H), b_o (H)."""
    p, kind = layer.recurrent_param, layer.type
    if p.num_output < 1:
        raise ShapeError(
            f"layer {layer.name!r} ({kind}) needs recurrent_param {{ num_output }} of at least 1"
        )
    states = recurrent_states(layer)
    names = ("h_0", "c_0")[:states]
    exposed = states if p.expose_hidden else 0
    if len(bottoms) not in (2 + exposed, 3 + exposed):
        given = f" and then the states {', '.join(names)} (1, N, H) (expose_hidden)" if exposed else ""
        raise ShapeError(
            f"layer {layer.name!r} ({kind}) needs bottoms x (T, N, ...), cont (T, N), optionally "
            f"x_static (N, ...){given}; it has {len(bottoms)}"
        )
    x, cont = bottoms[0], bottoms[1]
    if len(x) < 2:
        raise ShapeError(
            f"layer {layer.name!r} ({kind}): its input {x} needs at least 2 axes, timesteps and streams"
        )
    if tuple(cont) != tuple(x[:2]):
        raise ShapeError(
            f"layer {layer.name!r} ({kind}): its sequence continuation indicators cont {cont} must have "
            f"the shape (timesteps, streams) = {x[:2]} of its input {x}"
        )
    hidden = p.num_output
    state = (1, x[1], hidden)
    for name, shape in zip(names, bottoms[len(bottoms) - exposed :], strict=False):
        if tuple(shape) != state:
            raise ShapeError(f"layer {layer.name!r} ({kind}): its state {name} {shape} must be {state}")
    gates = 4 * hidden if kind == "LSTM" else hidden
    params = [(gates, math.prod(x[2:])), (gates,)]
    if len(bottoms) == 3 + exposed:
        static = bottoms[2]
        if not static or static[0] != x[1]:
            raise ShapeError(
                f"layer {layer.name!r} ({kind}): its static input {static} must have one row per stream "
                f"({x[1]})"
            )
        params.append((gates, math.prod(static[1:])))
    params.append((gates, hidden))
    if kind == "RNN":
        params += [(hidden, hidden), (hidden,)]
    return [(x[0], x[1], hidden)] + [state] * exposed, params


def _lstm_unit(layer: pb.LayerParameter, bottoms: list[Shape]):
    """Caffe's LSTMUnit: c_prev (1, N, H), the gates' pre-activations (1, N, 4H), cont (1, N);
    tops c and h (1, N, H)."""
    if len(bottoms) != 3 or len(bottoms[0]) != 3:
        raise ShapeError(
            f"layer {layer.name!r} (LSTMUnit) needs three bottoms: c_prev (1, N, H), the gates (1, N, 4H) "
            f"and cont (1, N); it has {', '.join(map(str, bottoms)) or 'none'}"
        )
    c_prev, gates, cont = bottoms
    n, hidden = c_prev[1], c_prev[2]
    if c_prev[0] != 1 or tuple(gates) != (1, n, 4 * hidden) or tuple(cont) != (1, n):
        raise ShapeError(
            f"layer {layer.name!r} (LSTMUnit): with c_prev {c_prev} the gates must be {(1, n, 4 * hidden)} "
            f"and cont {(1, n)}, not {gates} and {cont}"
        )
    return [c_prev, c_prev], []


def _slice(layer: pb.LayerParameter, bottoms: list[Shape]):
    shape = bottoms[0]
    axis, starts = slice_points(layer, shape)
    ends = [*starts[1:], shape[axis]]
    return [
        (*shape[:axis], end - start, *shape[axis + 1 :]) for start, end in zip(starts, ends, strict=True)
    ], []


# Layer type -> (top shapes, parameter shapes) from bottom shapes. Data and Input layers make
# blobs from outside the net and are handled by infer_shapes.
SHAPE_RULES: dict[str, Callable] = {
    "AbsVal": _same,
    "Accuracy": _accuracy,
    "ArgMax": _argmax,
    "BatchNorm": _batch_norm,
    "BatchReindex": _batch_reindex,
    "Bias": _bias,
    "BNLL": _same,
    "Clip": _same,
    "Concat": _concat,
    "ContrastiveLoss": _contrastive_loss,
    "Convolution": _convolution,
    "Crop": _crop,
    "Deconvolution": _deconvolution,
    "Dropout": _same,
    "Eltwise": _eltwise,
    "ELU": _same,
    "Embed": _embed,
    "EuclideanLoss": _paired_loss,
    "Exp": _same,
    "Flatten": _flatten,
    "Im2col": _im2col,
    "HingeLoss": _classifier_loss,
    "InfogainLoss": _classifier_loss,
    "InnerProduct": _inner_product,
    "Log": _same,
    "LRN": _same,
    "LSTM": _recurrent,
    "LSTMUnit": _lstm_unit,
    "MultinomialLogisticLoss": _classifier_loss,
    "MVN": _same,
    "Parameter": _parameter,
    "Pooling": _pooling,
    "Power": _same,
    "PReLU": _prelu,
    "Python": _python,
    "Reduction": _reduction,
    "ReLU": _same,
    "Reshape": _reshape,
    "RNN": _recurrent,
    "Scale": _scale,
    "Sigmoid": _same,
    "SigmoidCrossEntropyLoss": _paired_loss,
    "Silence": _silence,
    "Slice": _slice,
    "Softmax": _same,
    "SoftmaxWithLoss": _softmax_loss,
    "SPP": _spp,
    "Split": _split,
    "Swish": _same,
    "TanH": _same,
    "Threshold": _same,
    "Tile": _tile,
}
SOURCE_TYPES = (*DATA_TYPES, "Input")
KNOWN_TYPES = tuple(sorted((*SHAPE_RULES, *SOURCE_TYPES), key=str.lower))


@dataclass
class NetShapes:
    """Shapes of every blob, and of each layer's parameters, in one phase."""

    blobs: dict[str, Shape] = field(default_factory=dict)
    params: dict[str, list[Shape]] = field(default_factory=dict)

    @property
    def parameter_count(self) -> int:
        return sum(math.prod(shape) for shapes in self.params.values() for shape in shapes)


def infer_shapes(
    layers: list[pb.LayerParameter],
    data_shape: Shape | None = None,
    batch: int = 1,
    label_shape: Shape = (),
    side_shapes: tuple[Shape, ...] = (),
) -> NetShapes:
    """Shapes of ``layers`` (one phase) when Data layers give ``batch`` images of ``data_shape``,
    and their labels (one each) or targets (``label_shape`` each), and HDF5Data's further tops
    (``side_shapes`` each, in top order).

    Raises
    ------
    ShapeError
        For an unknown layer type (listing the known ones), a bottom that no earlier layer
        produces, or shapes that do not fit a layer.
    """
    shapes = NetShapes()
    for layer in layers:
        if layer.type not in KNOWN_TYPES:
            raise ShapeError(
                f"layer {layer.name!r} has type {layer.type!r}, which pyrpudl does not know; "
                f"known types: {', '.join(KNOWN_TYPES)}"
            )
        missing = [b for b in layer.bottom if b not in shapes.blobs]
        if missing:
            raise ShapeError(
                f"layer {layer.name!r} reads {', '.join(map(repr, missing))}, which no earlier layer produces"
            )
        if layer.type in DATA_TYPES:
            if data_shape is None:
                raise ShapeError(f"layer {layer.name!r} is a Data layer: give the data source's image shape")
            tops = [(batch, *data_shape), (batch, *label_shape), *((batch, *s) for s in side_shapes)]
            if len(layer.top) > len(tops):
                raise ShapeError(
                    f"layer {layer.name!r} ({layer.type}) has {len(layer.top)} tops, but its data give "
                    f"{len(tops)}: the examples and their labels"
                    + (" (HDF5Data: and one per further dataset of its files)" if side_shapes else "")
                )
            tops = tops[: len(layer.top)]
            params = []
        elif layer.type == "Input":
            tops = [tuple(s.dim) for s in layer.input_param.shape]
            params = []
        else:
            tops, params = SHAPE_RULES[layer.type](layer, [shapes.blobs[b] for b in layer.bottom])
        for name, shape in zip(layer.top, tops, strict=False):
            shapes.blobs[name] = tuple(int(d) for d in shape)
        if params:
            shapes.params[layer.name] = [tuple(int(d) for d in p) for p in params]
    return shapes
