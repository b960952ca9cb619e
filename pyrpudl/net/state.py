"""Which layers a net has in a phase: Caffe's include/exclude rules (NetStateRule)."""

from pyrpudl.errors import InputError
from pyrpudl.proto import rpudl_model_pb2 as pb

DATA_TYPES = ("Data", "HDF5Data", "ImageData", "MemoryData")  # the layers that read a data source
FILE_DATA_TYPES = ("HDF5Data", "ImageData")  # those that name their own files (no source given)

PHASES = {"TRAIN": pb.TRAIN, "TEST": pb.TEST}


def _meets(rule: pb.NetStateRule, phase: int, level: int, stages: set[str]) -> bool:
    if rule.HasField("phase") and rule.phase != phase:
        return False
    if rule.HasField("min_level") and level < rule.min_level:
        return False
    if rule.HasField("max_level") and level > rule.max_level:
        return False
    return all(s in stages for s in rule.stage) and not any(s in stages for s in rule.not_stage)


def layers_for_phase(
    net: pb.NetParameter, phase: str = "TRAIN", level: int = 0, stages: tuple[str, ...] = ()
) -> list[pb.LayerParameter]:
    """The layers of ``net`` that run in ``phase`` ("TRAIN" or "TEST"), in order."""
    if phase not in PHASES:
        raise InputError(f"unknown phase {phase!r}; choose TRAIN or TEST")
    code, stage_set = PHASES[phase], set(stages)
    kept = []
    for layer in net.layer:
        if layer.include and layer.exclude:
            raise InputError(f"layer {layer.name!r} has both include and exclude rules; use one kind")
        if layer.include:
            keep = any(_meets(rule, code, level, stage_set) for rule in layer.include)
        else:
            keep = not any(_meets(rule, code, level, stage_set) for rule in layer.exclude)
        if keep:
            kept.append(layer)
    return kept


def _mentions_state(rule: pb.NetStateRule) -> bool:
    return bool(rule.stage or rule.not_stage or rule.HasField("min_level") or rule.HasField("max_level"))


def default_test_stages(net: pb.NetParameter) -> tuple[str, ...]:
    """The stages of the TEST net when none are chosen: none, unless the TEST phase has a Data
    layer only under stages (Caffe's MNIST autoencoder tests "test-on-train" and "test-on-test"
    nets); then the first such layer's. A model's Data layers read its data source whatever their
    ``source`` says, so those stages differ only in the files they name."""
    if any(layer.type in DATA_TYPES for layer in layers_for_phase(net, "TEST")):
        return ()
    for layer in net.layer:
        for rule in layer.include if layer.type in DATA_TYPES else ():
            if rule.stage and (not rule.HasField("phase") or rule.phase == pb.TEST):
                return tuple(rule.stage)
    return ()


def resolve_stages(net: pb.NetParameter, test_stages: tuple[str, ...] = ()) -> pb.NetParameter:
    """A copy of ``net`` whose rules name phases only: a layer ruled by stages or levels is kept
    in TRAIN as a TRAIN net (no stages, level 0) keeps it, and in TEST as a TEST net with
    ``test_stages`` keeps it (Caffe's solver test_state), so every later step builds its nets
    by phase alone."""
    resolved = pb.NetParameter()
    resolved.CopyFrom(net)
    del resolved.layer[:]
    for layer in net.layer:
        if not any(_mentions_state(rule) for rule in (*layer.include, *layer.exclude)):
            resolved.layer.add().CopyFrom(layer)
            continue
        single = pb.NetParameter()
        single.layer.add().CopyFrom(layer)
        train = bool(layers_for_phase(single, "TRAIN"))
        test = bool(layers_for_phase(single, "TEST", stages=test_stages))
        if not (train or test):
            continue
        kept = resolved.layer.add()
        kept.CopyFrom(layer)
        del kept.include[:], kept.exclude[:]
        if train != test:
            kept.include.add().phase = pb.TRAIN if train else pb.TEST
    return resolved
