"""Exceptions of pyrpudl.

Each class names the R condition class it becomes (``r_class``), so the R package can signal a
classed condition (``rpud_input_error``...) without parsing messages. Messages say what was
wrong and what to do next.
"""


class PyrpudlError(Exception):
    """Base class of every error pyrpudl raises on purpose."""

    r_class = "rpud_error"


class InputError(PyrpudlError, ValueError):
    """An argument or a file does not have the shape, type or content the call needs."""

    r_class = "rpud_input_error"


class DeviceUnavailableError(PyrpudlError, RuntimeError):
    """The requested compute device (CUDA) cannot be used here."""

    r_class = "rpud_device_error"


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C, as Python sees it: KeyboardInterrupt, or, with Python inside R, the RuntimeError that
    reticulate's SIGINT handler (rpytools/signals.py) raises wherever Python happens to be."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    if not isinstance(exc, RuntimeError):
        return False
    frame = exc.__traceback__
    while frame is not None:
        code = frame.tb_frame.f_code
        if code.co_name == "_signal_handler" and "rpytools" in code.co_filename:
            return True
        frame = frame.tb_next
    return False


def r_condition_classes(exc: BaseException) -> list[str]:
    """The R condition classes for ``exc``, most specific first (without "error", "condition")."""
    if isinstance(exc, PyrpudlError):
        classes = [
            cls.r_class
            for cls in type(exc).__mro__
            if issubclass(cls, PyrpudlError) and "r_class" in vars(cls)
        ]
        return list(dict.fromkeys(classes))
    if is_interrupt(exc):
        return ["rpud_interrupt"]
    return ["rpud_internal_error", "rpud_error"]


class LayerCodeError(PyrpudlError):
    """A layer written in Python (Caffe's ``Python`` layer type) failed to load or raised."""

    r_class = "rpud_layer_error"
