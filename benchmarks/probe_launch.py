"""Launch overhead on a GPU: Numba-CUDA kernel launches, a CUDA graph replay, and PyTorch ops.

    python benchmarks/probe_launch.py

Answers how many microseconds one launch costs from Python (the budget of a training step at
cifar10_quick's size is ~50 launches), and whether stream capture into a CUDA graph works with
Numba-CUDA kernels (one replay instead of 50 launches).
"""

import time

import numpy as np
from numba import cuda


@cuda.jit
def bump(out, a, b, c, d, e, scale, offset, count):
    i = cuda.grid(1)
    if i < out.size:
        out[i] += a[i] * scale + b[i] + c[i] + d[i] + e[i] + offset + count


def per_call(fn, repeats=2000) -> float:
    fn()
    cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        fn()
    cuda.synchronize()
    return (time.perf_counter() - started) / repeats * 1e6


def main() -> None:
    import numba
    import numba_cuda

    print("numba", numba.__version__, "numba-cuda", numba_cuda.__version__, "numpy", np.__version__)
    try:
        import google.protobuf

        print("protobuf", google.protobuf.__version__)
    except ImportError:
        print("protobuf missing")
    device = cuda.get_current_device()
    print("device", device.name, device.compute_capability)
    arrays = [cuda.to_device(np.ones(1024, np.float32)) for _ in range(6)]
    out, a, b, c, d, e = arrays
    plain = per_call(lambda: bump[4, 256](out, a, b, c, d, e, np.float32(1), np.float32(0), np.int32(1)))
    configured = bump[4, 256]
    reused = per_call(lambda: configured(out, a, b, c, d, e, np.float32(1), np.float32(0), np.int32(1)))
    stream = cuda.stream()
    on_stream = bump[4, 256, stream]
    streamed = per_call(lambda: on_stream(out, a, b, c, d, e, np.float32(1), np.float32(0), np.int32(1)))
    print(f"launch: {plain:.1f} us plain, {reused:.1f} us configured, {streamed:.1f} us on a stream")

    try:
        from cuda.bindings import driver

        handle = stream.handle
        raw = handle.value if hasattr(handle, "value") else handle
        out.copy_to_device(np.zeros(1024, np.float32))
        cuda.synchronize()
        (err,) = driver.cuStreamBeginCapture(
            raw, driver.CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL
        )
        print("begin capture", err)
        for _ in range(50):
            on_stream(out, a, b, c, d, e, np.float32(1), np.float32(0), np.int32(1))
        err, graph = driver.cuStreamEndCapture(raw)
        print("end capture", err)
        err, executable = driver.cuGraphInstantiate(graph, 0)
        print("instantiate", err)
        started = time.perf_counter()
        for _ in range(200):
            (err,) = driver.cuGraphLaunch(executable, raw)
        stream.synchronize()
        seconds = time.perf_counter() - started
        value = out.copy_to_host()[0]
        print(
            f"graph of 50 launches: {seconds / 200 * 1e6:.1f} us per replay; "
            f"out[0] = {value} (want {200 * 50 * 6})"
        )
    except Exception as exc:  # the probe reports, it does not stop
        print("graph capture failed:", type(exc).__name__, exc)

    try:
        import torch

        x = torch.ones(1024, device="cuda")
        y = torch.ones(1024, device="cuda")
        torch.cuda.synchronize()
        started = time.perf_counter()
        for _ in range(2000):
            torch.add(x, y, out=x)
        torch.cuda.synchronize()
        print(f"torch.add: {(time.perf_counter() - started) / 2000 * 1e6:.1f} us per op")
    except Exception as exc:
        print("torch failed:", exc)


if __name__ == "__main__":
    main()
