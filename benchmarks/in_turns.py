"""Timing contenders in turns, so the machine's drift (up to 1.6x between runs here) falls on all
of them alike: the benchmarks' one timing loop."""

import statistics
import time


def median_ms_in_turns(contenders: dict, rounds: int, iterations: int, warmup: int = 3) -> dict[str, float]:
    """Median milliseconds per iteration of each contender (name -> (setup, step), setup may be
    None): after ``warmup`` steps each (compilation among them), ``rounds`` rounds in which every
    contender is set up, takes one untimed step (whatever ran before settles) and is timed over
    ``iterations`` steps."""
    for setup, step in contenders.values():
        if setup:
            setup()
        for _ in range(warmup):
            step()
    timings = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, (setup, step) in contenders.items():
            if setup:
                setup()
            step()
            started = time.perf_counter()
            for _ in range(iterations):
                step()
            timings[name].append((time.perf_counter() - started) / iterations * 1000)
    return {name: statistics.median(values) for name, values in timings.items()}
