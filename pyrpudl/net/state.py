"""Which layers a net has in a phase: Caffe's include/exclude rules (NetStateRule)."""

from pyrpudl.errors import InputError
from pyrpudl.proto import rpudl_model_pb2 as pb

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
