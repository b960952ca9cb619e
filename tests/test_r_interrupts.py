"""Ctrl-C with the engine inside R: R callbacks run with R's interrupts suspended and hand a Ctrl-C
that arrives meanwhile to Python; reticulate's handler learns whether R took the interrupt without
evaluating R. Here R's flags are plain ctypes integers; the R tests drive the real ones."""

import ctypes
import shutil
import subprocess
import sys
import types

import pytest

from pyrpudl import r_interrupts
from pyrpudl.r_interrupts import RInterruptFlags, guard, guard_callbacks


@pytest.fixture
def flags():
    return RInterruptFlags(ctypes.c_int(0), ctypes.c_int(0))


def r_function(body):
    """A stand-in for reticulate's wrapper of an R closure (what is_r_function recognizes)."""

    def python_function(*args, **kwargs):
        return body(*args, **kwargs)

    python_function.__module__ = "rpytools.call"
    return python_function


def test_the_pending_question_reads_and_resets_rs_flag(flags):
    assert flags.interrupts_pending(False) is False
    flags.pending.value = 1
    assert flags.interrupts_pending(False) is True
    assert flags.interrupts_pending(True) is False and flags.pending.value == 0
    flags.pending.value, flags.suspended.value = 1, 1
    assert flags.interrupts_pending(False) is False  # suspended: R does not act, nor does Python


def test_a_guarded_callback_runs_with_r_interrupts_suspended_and_returns_its_value(flags):
    seen = []
    call = guard(r_function(lambda x: seen.append(flags.suspended.value) or x * 2), flags)
    assert call(21) == 42 and seen == [1] and flags.suspended.value == 0


def test_ctrl_c_during_a_callback_reaches_python_after_it_returns(flags):
    def user_presses_ctrl_c(line):
        flags.pending.value = 1  # what reticulate's SIGINT handler does
        return "done"

    with pytest.raises(KeyboardInterrupt):
        guard(r_function(user_presses_ctrl_c), flags)("a line")
    assert flags.pending.value == 0 and flags.suspended.value == 0  # taken by Python, once


def test_a_callbacks_error_passes_through_and_the_flags_are_restored(flags):
    def broken(line):
        raise RuntimeError("object 'x' not found")

    with pytest.raises(RuntimeError, match="not found"):
        guard(r_function(broken), flags)("a line")
    assert flags.suspended.value == 0


def test_a_nested_guard_leaves_the_interrupt_to_the_outer_one(flags):
    inner = guard(r_function(lambda: setattr(flags.pending, "value", 1)), flags)
    outer_seen = []

    def outer_body():
        inner()  # inside an R callback already: R must not act yet, nor must the inner guard
        outer_seen.append(flags.pending.value)

    with pytest.raises(KeyboardInterrupt):
        guard(r_function(outer_body), flags)()
    assert outer_seen == [1] and flags.pending.value == 0


def test_only_r_functions_in_the_arguments_are_guarded(flags):
    def plain(x):
        return x

    fn = r_function(plain)
    args = {"report": fn, "layers": [{"unit": fn, "weights": 3}], "pair": (fn, plain), "n": 1}
    guarded = guard_callbacks(args, flags)
    assert guarded["report"] is not fn and guarded["report"](5) == 5
    assert guarded["layers"][0]["unit"] is not fn and guarded["layers"][0]["weights"] == 3
    assert guarded["pair"][1] is plain and guarded["n"] == 1
    again = guard_callbacks(guarded, flags)
    assert again["report"] is guarded["report"]  # guarded once


def test_outside_r_arguments_pass_unchanged(monkeypatch):
    monkeypatch.setattr(r_interrupts, "_flags", None)
    args = {"report": r_function(print)}
    assert guard_callbacks(args) is args


def test_install_replaces_reticulates_r_closure_only_inside_r(monkeypatch, flags):
    monkeypatch.delitem(sys.modules, "rpytools.signals", raising=False)
    assert r_interrupts.install() is None
    signals = types.ModuleType("rpytools.signals")
    signals._callback = r_function(lambda reset: False)
    monkeypatch.setitem(sys.modules, "rpytools.signals", signals)
    monkeypatch.setattr(r_interrupts, "_flags", flags)
    assert r_interrupts.install() is flags
    assert signals._callback == flags.interrupts_pending


@pytest.mark.skipif(shutil.which("R") is None, reason="R is not installed")
def test_rs_flags_are_found_in_libR(monkeypatch):
    home = subprocess.run(["R", "RHOME"], capture_output=True, text=True, check=True).stdout.strip()
    monkeypatch.setenv("R_HOME", home)
    found = r_interrupts.find_r_flags()
    assert found is not None and found.suspended.value in (0, 1)
