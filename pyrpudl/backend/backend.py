"""A backend: where arrays live and which kernels run on them.

``get_backend("cpu" | "cuda" | "auto" | None)`` returns one shared object per device with

- ``ops``: every op of ``kernels/OPS.md`` by name (``backend.ops.gemm(...)``), from ``kernels/cpu`` or
  ``kernels/cuda``; each call is counted in ``backend.launches`` (launches per training step are the
  main cost on a GPU at this size);
- array helpers: ``empty``, ``zeros``, ``to_device``, ``to_host``, ``view`` (a reshaped view, cached so a
  training step does not rebuild device-array objects), ``resident`` (a dataset kept on the device
  across training calls), ``synchronize``.

Layers, nets and the trainer use only this interface, so they run unchanged on either device.
"""

import functools
import importlib
import math
import os
from collections import OrderedDict

import numpy as np

from pyrpudl._numba_setup import PER_THREAD_STREAM
from pyrpudl.backend.device import resolve_device

# kernels/OPS.md, module by module
OPS = {
    "transform": ("transform_u8", "transform_batch", "transform_crop_batch", "gather_rows"),
    "gemm": ("gemm", "conv_gemm"),
    "layout": ("wide_to_nchw", "nchw_to_wide", "add_bias_columns", "sum_rows", "sum_columns"),
    "im2col": ("im2col", "col2im"),
    "pooling": ("max_pool_forward", "max_pool_backward", "ave_pool_forward", "ave_pool_backward"),
    "sgd": ("sgd_update", "solver_update", "clip_gradients"),
    "elementwise": ("fill", "add", "multiply", "axpby"),
    "activations": (
        "relu_forward",
        "relu_backward",
        "sigmoid_forward",
        "sigmoid_backward",
        "tanh_forward",
        "tanh_backward",
    ),
    "softmax": (
        "softmax_forward",
        "softmax_backward",
        "softmax_loss_forward",
        "softmax_loss_backward",
        "accuracy",
    ),
    "training": (
        "select_batch",
        "record_step",
        "record_cost",
        "add_cost",
        "scheduled_solver_update",
        "next_step",
    ),
    "losses": (
        "euclidean_loss_forward",
        "sigmoid_cross_entropy_forward",
        "sigmoid_cross_entropy_backward",
        "contrastive_loss_forward",
        "contrastive_loss_backward",
        "hinge_loss_forward",
        "hinge_loss_backward",
        "multinomial_logistic_forward",
        "multinomial_logistic_backward",
        "infogain_loss_forward",
        "infogain_loss_backward",
    ),
    "dropout": ("dropout_forward", "stochastic_pool_forward", "stochastic_pool_test"),
    "lrn": ("lrn_across_forward", "lrn_across_backward", "lrn_within_forward", "lrn_within_backward"),
    "prelu": ("prelu_forward", "prelu_backward"),
    "embed": ("embed_forward", "embed_backward"),
    "recurrent": ("lstm_unit_forward", "lstm_unit_backward", "rnn_unit_forward", "rnn_unit_backward"),
    "mvn": ("mvn_forward", "mvn_backward"),
    "neurons": ("neuron_forward", "neuron_backward"),
    "batch_norm": (
        "batch_norm_statistics",
        "batch_norm_global",
        "batch_norm_forward",
        "batch_norm_backward",
        "scale_forward",
        "scale_backward",
    ),
    "combine": (
        "concat_forward",
        "concat_backward",
        "eltwise_max_forward",
        "eltwise_max_backward",
        "argmax_forward",
    ),
    "rbm": (
        "sigmoid_bias",
        "add_bias",
        "sigmoid_bias_sample",
        "sample_bernoulli",
        "squared_error",
        "scale",
        "bias_step",
        "momentum_step",
        "batch_rows",
        "sigmoid_bias_sample_at",
        "squared_error_at",
        "next_batch",
    ),
    "units": ("tanh_bias", "softmax_bias", "unit_delta"),
    "rprop": ("rprop_step",),
}


class Ops:
    """The ops of one device, loaded module by module on first use (importing a CUDA module
    imports Numba's CUDA target, which ``import pyrpudl`` must not do)."""

    def __init__(self, backend: "Backend"):
        self._backend = backend
        self._owner = {name: module for module, names in OPS.items() for name in names}

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._owner:
            raise AttributeError(f"no op {name!r} (see kernels/OPS.md)")
        module = importlib.import_module(f"pyrpudl.kernels.{self._backend.name}.{self._owner[name]}")
        kernel = getattr(module, name)
        backend = self._backend

        def op(*args):
            backend.launches += 1
            kernel(*args)

        op.__name__ = name
        setattr(self, name, op)  # later lookups skip __getattr__
        return op


class Backend:
    name = ""

    def __init__(self):
        self.ops = Ops(self)
        self.launches = 0  # op calls since creation; read differences around a step
        self._resident: OrderedDict = OrderedDict()

    def __deepcopy__(self, memo):
        return self  # one per device, shared

    def __reduce__(self):
        return (get_backend, (self.name,))

    def empty(self, shape, dtype=np.float32):
        raise NotImplementedError

    def zeros(self, shape, dtype=np.float32):
        array = self.empty(shape, dtype)
        if array.size:
            flat = self.view(array, (array.size,))
            if np.dtype(dtype) == np.float32:
                self.ops.fill(flat, 0.0)
            else:
                self.copy_from_host(flat, np.zeros(array.size, dtype))
        return array

    def to_device(self, array: np.ndarray):
        raise NotImplementedError

    def to_host(self, array) -> np.ndarray:
        raise NotImplementedError

    def copy_from_host(self, target, source: np.ndarray) -> None:
        raise NotImplementedError

    def copy(self, target, source) -> None:
        """target[...] = source, both on this device."""
        raise NotImplementedError

    def synchronize(self) -> None:
        pass

    def graphs_enabled(self) -> bool:
        """Whether a training step may be recorded once and replayed (CUDA graphs)."""
        return False

    def capture(self, step):
        """Record the launches of ``step()`` as a replayable graph; None where that is not possible."""
        return None

    def replay(self, graph) -> None:
        raise NotImplementedError

    def view(self, array, shape: tuple[int, ...]):
        """``array`` reshaped (no copy). Kept on the array itself: rebuilding device-array views costs
        microseconds each and a training step takes hundreds, and a view must not outlive its array
        in a cache (it would hold the device memory)."""
        shape = tuple(int(s) for s in shape)
        if tuple(array.shape) == shape:
            return array
        views = getattr(array, "_pyrpudl_views", None)
        if views is None:
            views = {}
            try:
                array._pyrpudl_views = views
            except AttributeError:  # an array type without attributes: no caching
                pass
        view = views.get(shape)
        if view is None:
            if math.prod(shape) != array.size:
                raise ValueError(f"cannot view {tuple(array.shape)} as {shape}")
            view = views[shape] = array.reshape(shape)
        return view

    def resident(self, array: np.ndarray, dtype=None):
        """A device copy of ``array`` (as ``dtype``, if given), kept while it is in use: the few most
        recent datasets stay on the device across training calls."""
        key = (id(array), np.dtype(dtype) if dtype is not None else array.dtype)
        hit = self._resident.get(key)
        if hit is not None and hit[0] is array:
            self._resident.move_to_end(key)
            return hit[1]
        host = array if dtype is None else np.asarray(array, dtype=dtype)
        copy = self.to_device(host)
        self._resident[key] = (array, copy)  # holding ``array`` keeps its id unique
        while len(self._resident) > 8:
            self._resident.popitem(last=False)
        return copy


class CpuBackend(Backend):
    name = "cpu"

    def empty(self, shape, dtype=np.float32):
        return np.empty(shape, dtype)

    def zeros(self, shape, dtype=np.float32):
        return np.zeros(shape, dtype)

    def view(self, array, shape):
        return array.reshape(shape)  # free on the host: nothing to cache

    def to_device(self, array):
        return np.ascontiguousarray(array)

    def to_host(self, array):
        return np.asarray(array)

    def copy_from_host(self, target, source):
        target[...] = source

    def copy(self, target, source):
        target[...] = source

    def resident(self, array, dtype=None):
        return np.ascontiguousarray(array, dtype=dtype)


class CudaBackend(Backend):
    name = "cuda"

    def __init__(self):
        super().__init__()
        from numba import cuda

        config = getattr(getattr(cuda, "core", None), "config", None)
        if config is not None:  # a numba-cuda imported before pyrpudl read its settings already
            config.CUDA_LOW_OCCUPANCY_WARNINGS = 0
        self._cuda = cuda
        self.simulated = bool(
            getattr(cuda, "simulator_enabled", False) or os.environ.get("NUMBA_ENABLE_CUDASIM")
        )
        self.capture_error: str | None = None  # why the last capture failed, for `pyrpudl info`

    def graphs_enabled(self) -> bool:
        setting = os.environ.get("PYRPUDL_CUDA_GRAPHS", "1")
        return not self.simulated and setting not in ("0", "") and os.environ.get(_PER_THREAD, "1") == "1"

    def capture(self, step):
        from cuda.bindings import driver

        def check(result):
            error, *values = result
            if error != driver.CUresult.CUDA_SUCCESS:
                raise RuntimeError(f"{error.name}")
            return values[0] if values else None

        stream = driver.CUstream(driver.CU_STREAM_PER_THREAD)
        self.synchronize()
        try:
            check(
                driver.cuStreamBeginCapture(
                    stream, driver.CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL
                )
            )
        except Exception as exc:
            self.capture_error = f"stream capture could not start: {exc}"
            return None
        try:
            step()
        except BaseException as exc:
            # end the capture whatever stopped the step: a stream left capturing fails every later call
            driver.cuStreamEndCapture(stream)
            if not isinstance(exc, Exception):
                raise  # Ctrl-C: the caller keeps the last good model, on a usable stream
            self.capture_error = f"a step could not be recorded: {exc}"
            return None
        try:
            graph = check(driver.cuStreamEndCapture(stream))
            executable = check(driver.cuGraphInstantiate(graph, 0))
        except Exception as exc:
            self.capture_error = f"the recorded step could not be instantiated: {exc}"
            return None
        return _Graph(graph, executable, stream, check, driver)

    def replay(self, graph) -> None:
        graph.check(graph.driver.cuGraphLaunch(graph.executable, graph.stream))
        self.launches += 1

    def empty(self, shape, dtype=np.float32):
        return self._cuda.device_array(shape, dtype)

    def to_device(self, array):
        return self._cuda.to_device(canonical(array))

    def to_host(self, array):
        return array.copy_to_host() if hasattr(array, "copy_to_host") else np.asarray(array)

    def copy_from_host(self, target, source):
        target.copy_to_device(np.ascontiguousarray(source, dtype=target.dtype).reshape(target.shape))

    def copy(self, target, source):
        target.copy_to_device(source)

    def synchronize(self):
        self._cuda.synchronize()


_PER_THREAD = PER_THREAD_STREAM


class RecordedSteps:
    """Steps run the first time their key comes, recorded then as CUDA graphs and replayed after
    that (one launch instead of one per op). A key stands for what the recording bakes in: buffer
    sizes, scalars such as a momentum. Where graphs are off (the CPU, the simulator,
    ``PYRPUDL_CUDA_GRAPHS=0``, ``enabled=False``) every step just runs; a recording that fails
    turns recording off (``backend.capture_error`` says why)."""

    def __init__(self, backend: Backend, enabled: bool = True):
        self.backend = backend
        self.recording = enabled and backend.graphs_enabled()
        self.graphs: dict = {}

    def run(self, key, step) -> None:
        graph = self.graphs.get(key)
        if graph is not None:
            self.backend.replay(graph)
            return
        step()  # compiles and allocates what the recording then finds in place
        if self.recording:
            graph = self.backend.capture(step)
            self.recording = graph is not None
            if graph is not None:
                self.graphs[key] = graph


def canonical(array: np.ndarray) -> np.ndarray:
    """``array`` C-contiguous with the textbook strides. NumPy calls an array contiguous whatever
    the stride of a length-1 axis (Fashion-MNIST's channel axis has stride 0); Numba's device arrays
    copy the strides and then refuse to reshape without a copy."""
    array = np.ascontiguousarray(array)
    strides, step = [], array.itemsize
    for size in reversed(array.shape):
        strides.append(step)
        step *= size
    strides = tuple(reversed(strides))
    if array.strides == strides:
        return array
    return np.lib.stride_tricks.as_strided(array, array.shape, strides)


class _Graph:
    """A recorded training step: an instantiated CUDA graph and the stream it replays on."""

    def __init__(self, graph, executable, stream, check, driver):
        self.graph, self.executable, self.stream, self.check, self.driver = (
            graph,
            executable,
            stream,
            check,
            driver,
        )

    def __del__(self):
        try:
            self.driver.cuGraphExecDestroy(self.executable)
            self.driver.cuGraphDestroy(self.graph)
        except Exception:  # at interpreter exit the driver may be gone already
            pass


@functools.cache
def _backend(name: str) -> Backend:
    return CudaBackend() if name == "cuda" else CpuBackend()


def get_backend(device: "str | Backend | None" = None) -> Backend:
    """The backend of ``device`` ("auto", "cpu", "cuda", or None for ``$PYRPUDL_DEVICE``/auto).

    Raises
    ------
    DeviceUnavailableError
        When CUDA is asked for and cannot be used (the message says why).
    """
    if isinstance(device, Backend):
        return device
    return _backend(resolve_device(device))
