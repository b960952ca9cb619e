"""kernels/OPS.md's contract: every op the backends list exists on both devices, under one name, with
the same parameters in the same order (a layer calls either without knowing which)."""

import importlib
import inspect

import pytest

from pyrpudl.backend.backend import OPS


def parameters(function) -> list[str]:
    function = getattr(function, "py_func", function)  # a Numba dispatcher: its Python function
    return list(inspect.signature(function).parameters)


@pytest.mark.parametrize("module", sorted(OPS))
def test_each_op_has_twins_with_one_signature(module):
    cpu = importlib.import_module(f"pyrpudl.kernels.cpu.{module}")
    cuda = importlib.import_module(f"pyrpudl.kernels.cuda.{module}")
    for name in OPS[module]:
        assert hasattr(cpu, name) and hasattr(cuda, name), f"{module}.{name} is missing on a device"
        assert parameters(getattr(cpu, name)) == parameters(getattr(cuda, name)), f"{module}.{name}"
