from pyrpudl.errors import DeviceUnavailableError, InputError, PyrpudlError, is_interrupt, r_condition_classes


def test_pyrpudl_errors_map_to_r_classes_most_specific_first():
    assert r_condition_classes(InputError("x")) == ["rpud_input_error", "rpud_error"]
    assert r_condition_classes(DeviceUnavailableError("x")) == ["rpud_device_error", "rpud_error"]
    assert r_condition_classes(PyrpudlError("x")) == ["rpud_error"]


def test_input_error_is_also_a_value_error_for_python_callers():
    assert isinstance(InputError("x"), ValueError)


def test_unexpected_exceptions_are_internal_errors_and_interrupts_are_interrupts():
    assert r_condition_classes(ZeroDivisionError()) == ["rpud_internal_error", "rpud_error"]
    assert r_condition_classes(KeyboardInterrupt()) == ["rpud_interrupt"]


def test_reticulates_sigint_runtime_error_counts_as_an_interrupt():
    # reticulate's SIGINT handler, as it runs inside R: a function named _signal_handler in
    # rpytools/signals.py that raises RuntimeError wherever Python is
    namespace = {}
    code = compile("def _signal_handler():\n    raise RuntimeError('(Unknown exception occurred)')\n",
                   "/usr/lib/R/site-library/reticulate/python/rpytools/signals.py", "exec")  # fmt: skip
    exec(code, namespace)
    try:
        namespace["_signal_handler"]()
    except RuntimeError as exc:
        assert is_interrupt(exc)
        assert r_condition_classes(exc) == ["rpud_interrupt"]
    assert not is_interrupt(RuntimeError("a real failure"))
