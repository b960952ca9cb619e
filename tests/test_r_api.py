"""The contract R relies on: invoke() never raises, and errors come back classed and explained."""

import numpy as np

from pyrpudl import r_api


def test_invoke_returns_the_value_of_the_named_function():
    result = r_api.invoke("info", {"python_reason": "a test chose it"})
    assert result["ok"]
    assert "chosen because a test chose it" in result["value"]["text"]


def test_an_empty_r_list_counts_as_no_arguments():
    assert r_api.invoke("info", [])["ok"]


def test_unknown_functions_and_bad_input_come_back_as_input_errors():
    unknown = r_api.invoke("no_such_function", {})
    assert not unknown["ok"] and unknown["classes"][0] == "rpud_input_error"
    assert "known: info, bridge_check" in unknown["message"]

    x = np.asfortranarray(np.ones((3, 2)))
    mismatch = r_api.invoke("bridge_check", {"x": x, "y": np.array([1, 2], dtype=np.int32)})
    assert mismatch["classes"] == ["rpud_input_error", "rpud_error"]
    assert mismatch["message"] == "x has 3 rows but y has 2 labels; give one label per row of x"
    assert "Traceback" in mismatch["traceback"]


def test_a_bug_in_the_engine_is_reported_as_internal_with_what_to_do():
    result = r_api.invoke("bridge_check", {"unexpected": 1})
    assert result["classes"] == ["rpud_internal_error", "rpud_error"]
    assert result["message"].startswith("internal error in the pyrpudl engine (TypeError")
    assert "rpudLastError()" in result["message"]


def test_bridge_check_reports_progress_through_the_callback_and_echoes_the_data():
    lines = []
    x = np.asfortranarray(np.arange(6.0).reshape(3, 2))[:, :]  # a view of memory it does not own, as from R
    factor = {"codes": np.array([0, 1, 0], dtype=np.int32), "levels": ["a", "b"]}
    result = r_api.bridge_check(x, factor, lines.append)
    assert lines == ["bridge: x arrived as a 3x2 float64 matrix (zero-copy), y as 3 labels"]
    np.testing.assert_array_equal(result["x"], x)
    assert result["y"]["levels"] == ["a", "b"]


def test_progress_goes_to_print_by_default_and_nowhere_when_turned_off(capsys):
    x = np.ones((1, 1))[:, :]
    r_api.bridge_check(x, np.array([0], dtype=np.int32))
    assert capsys.readouterr().out.startswith("bridge: x arrived")
    r_api.bridge_check(x, np.array([0], dtype=np.int32), report=False)
    assert capsys.readouterr().out == ""
