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


def print_against_torch(label: str, mine, theirs, threads: int, repeats: int, iterations: int) -> None:
    """Time ``mine`` (pyrpudl's step) and ``theirs`` (torch's) in turns on ``threads`` threads and
    print the medians and their ratio, with the versions that made them."""
    import numba
    import torch

    torch.set_num_threads(threads)
    found = median_ms_in_turns({"pyrpudl": (None, mine), "torch": (None, theirs)}, repeats, iterations)
    ours, peer = found["pyrpudl"], found["torch"]
    print(
        f"threads {threads}, median of {repeats} rounds of {iterations} iterations, contenders in turn; "
        f"torch {torch.__version__}; Numba's threading layer: {numba.threading_layer()}"
    )
    print(f"{label}: pyrpudl {ours:7.1f} ms | torch {peer:7.1f} ms (ratio {ours / peer:.2f})")


def net_sgd_step(net, inputs: dict):
    """One pyrpudl training step of ``net`` on ``inputs``: forward, backward, and the SGD update
    the torch contenders take too (lr 0.01, momentum 0.9, weight decay 0.0005)."""

    def step():
        net.forward(inputs, train=True)
        net.backward()
        net.params.sgd_step(0.01, 0.9, 0.0005)

    return step
