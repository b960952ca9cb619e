"""Deploy nets: Caffe's prototxt for prediction, fed by an Input layer instead of Data layers.

Caffe's deploy files (``lenet.prototxt``, ``cifar10_quick.prototxt``) are the trained net without
its data, loss and accuracy layers; weights come from a ``.caffemodel``. Their Input layer takes the
values it is given as they are (Caffe's Input layer transforms nothing), so a deploy net predicts
on inputs already scaled and centred as the training net's Data layer did. The prediction is the
net's output: the blob no layer reads (Caffe's net output), a Softmax's probabilities in the
example files, or an ArgMax's classes (then there are no probabilities to give).

A deploy net may have several input blobs (a recurrent net's x and cont): predict() and
rpudlExtractFeatures() then take one array per input, by name, as many rows (first axis) in each.
"""

import copy
from dataclasses import dataclass

from pyrpudl.errors import InputError
from pyrpudl.net.state import DATA_TYPES, layers_for_phase
from pyrpudl.proto import rpudl_model_pb2 as pb


@dataclass(frozen=True)
class DeployIO:
    input: str  # the Input layer's top
    example_shape: tuple[int, ...]  # one example: the Input's shape without its first (batch) axis
    output: str  # the blob predictions read
    probabilities: bool  # whether ``output`` is a Softmax's (else predictions take its softmax)
    classes: bool = False  # whether ``output`` is an ArgMax's top-1 index per example: the classes
    others: tuple[tuple[str, tuple[int, ...]], ...] = ()  # further inputs and one row's shape each
    class_axis: int = 1  # a Softmax output's axis of classes (2: a recurrent net's; -1: the last)

    @property
    def inputs(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Every input blob with one row's shape (the Input's shape without its first axis)."""
        return ((self.input, self.example_shape), *self.others)


def is_deploy(spec: pb.NetParameter) -> bool:
    """A net fed by an Input layer and no Data layer."""
    types = {layer.type for layer in spec.layer}
    return "Input" in types and not types.intersection(DATA_TYPES)


def deploy_io(spec: pb.NetParameter) -> DeployIO:
    """What a deploy net reads and what it predicts (its TEST phase, as Caffe deploys).

    Raises
    ------
    InputError
        When the net has no input blob, an input of fewer than two axes, or no output.
    """
    layers = layers_for_phase(spec, "TEST")
    inputs = [(top, shape) for layer in layers if layer.type == "Input"
              for top, shape in zip(layer.top, layer.input_param.shape, strict=False)]  # fmt: skip
    if not inputs:
        raise InputError("a deploy net needs an input blob for predict() to fill; this one has none")
    for top, shape in inputs:
        if len(shape.dim) < 2 or min(shape.dim) < 1:
            raise InputError(
                f"the Input layer's shape for {top!r} is {list(shape.dim)}; give (batch, ...) with positive "
                "sizes, such as dim: 1 dim: 3 dim: 32 dim: 32"
            )
    top, shape = inputs[0]
    names = {name for name, _ in inputs}
    producer: dict[str, pb.LayerParameter] = {}
    available: dict[str, None] = {}  # Caffe's net outputs: tops that no later layer reads
    for layer in layers:
        for bottom in layer.bottom:
            available.pop(bottom, None)
        for name in layer.top:
            available[name], producer[name] = None, layer
    outputs = [name for name in available if name not in names]
    if not outputs:
        raise InputError("the deploy net has no output: every blob it makes is read by a later layer")
    output = outputs[-1]
    last = producer[output]
    argmax = last.argmax_param
    classes = (
        last.type == "ArgMax" and argmax.top_k == 1 and not argmax.out_max_val and not argmax.HasField("axis")
    )
    example = tuple(int(d) for d in shape.dim[1:])
    others = tuple((name, tuple(int(d) for d in s.dim[1:])) for name, s in inputs[1:])
    axis = last.softmax_param.axis if last.type == "Softmax" else 1  # negative: from the last axis
    return DeployIO(top, example, output, last.type == "Softmax", classes, others, axis)


def with_batch(spec: pb.NetParameter, batch: int) -> pb.NetParameter:
    """A copy of a deploy net whose Input takes ``batch`` examples (Caffe reshapes its input blob)."""
    resized = copy.deepcopy(spec)
    for layer in resized.layer:
        if layer.type == "Input":
            for shape in layer.input_param.shape:
                shape.dim[0] = batch
    return resized
