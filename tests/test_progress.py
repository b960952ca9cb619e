"""The terminal progress bar: drawn in place, cleared for log lines, only on an interactive terminal."""

import io

from pyrpudl.progress import ProgressBar, wanted


def test_the_bar_shows_progress_speed_and_cost_and_makes_room_for_lines():
    stream = io.StringIO()
    bar = ProgressBar(200, stream=stream, every=0)
    bar.update(50, 0.61234)
    assert "] 50/200  " in stream.getvalue() and "it/s  cost 0.6123" in stream.getvalue()
    assert stream.getvalue().count("=") == 7  # a quarter of the 30 columns, then the head
    lines = []
    bar.line("training @iter 100, cost 0.5", lines.append)
    assert lines == ["training @iter 100, cost 0.5"]
    text = stream.getvalue()
    assert text.endswith(bar.shown) and "\r" + " " * len(bar.shown) + "\r" in text  # cleared, then redrawn
    bar.clear()
    assert bar.shown == "" and stream.getvalue().endswith("\r")


def test_the_bar_is_throttled_and_only_for_terminals(monkeypatch):
    stream = io.StringIO()
    bar = ProgressBar(10, stream=stream, every=3600)
    bar.update(1)
    assert stream.getvalue() == ""  # too soon after the start
    bar.update(10, force=True)
    assert "10/10" in stream.getvalue()
    monkeypatch.delenv("CI", raising=False)
    assert not wanted(print)  # a reporter was given: the caller shows progress (R draws its own)
    monkeypatch.setenv("CI", "true")
    assert not wanted(None)
