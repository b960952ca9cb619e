"""Caffe's Python layer: a layer written in Python (pyrpudl.pycaffe's interface, the user's class
loaded by pyrpudl.net.python_code). Its blobs are host arrays: on a GPU each pass copies the
bottoms to the host and the tops back, and a net with one is not recorded as a CUDA graph."""

import numpy as np

from pyrpudl.errors import LayerCodeError
from pyrpudl.net import python_code
from pyrpudl.net.layers.base import Layer, register


@register
class Python(Layer):
    type_name = "Python"
    replayable = False  # host code between the device's launches

    def __init__(self, spec, bottom_shapes, params=(), grads=(), backend="cpu"):
        super().__init__(spec, bottom_shapes, params, grads, backend)
        self.instance = None  # made at the first pass, once the net has set the phase

    def _made(self, dtype) -> python_code.Instance:
        if self.instance is None:
            instance = python_code.Instance(self.spec, self.bottom_shapes, self.phase, dtype)
            for what, found, expected in (
                ("tops", instance.top_shapes, self.top_shapes),
                ("learned blobs", instance.blob_shapes, [tuple(p.shape) for p in self.params]),
            ):
                if [tuple(s) for s in found] != [tuple(s) for s in expected]:
                    raise LayerCodeError(
                        f"layer {self.name!r} (Python): its {what} are {found} in this phase but "
                        f"{expected} when the net's shapes were worked out (in TRAIN); make their shapes "
                        "the same in both phases"
                    )
            if self.backend.name == "cpu":  # the blobs are the net's parameters and gradients
                for blob, values, gradient in zip(instance.blobs, self.params, self.grads, strict=True):
                    blob._data, blob._diff = values, gradient
            self.instance = instance
        return self.instance

    def _host(self, array, blob_shape, dtype) -> np.ndarray:
        host = np.asarray(self.backend.to_host(array) if self.backend.name != "cpu" else array)
        return np.ascontiguousarray(np.broadcast_to(host, blob_shape), dtype=dtype)

    def forward(self, bottoms, train):
        dtype = bottoms[0].dtype if bottoms else np.float32
        instance = self._made(dtype)
        for blob, array in zip(instance.bottom, bottoms, strict=True):
            blob._data = self._host(array, blob.shape, blob.data.dtype)
        on_device = self.backend.name != "cpu"
        for blob, values in zip(instance.blobs, self.params, strict=True):
            if on_device:  # the parameters as they are now (the solver moves them on the device)
                blob._data = self._host(values, blob.shape, blob.data.dtype)
        python_code.call(self.spec, "reshape", instance.code, instance.bottom, instance.top)
        python_code.call(self.spec, "forward", instance.code, instance.bottom, instance.top)
        if not on_device:
            return [blob.data for blob in instance.top]
        return [self.backend.to_device(blob.data) for blob in instance.top]

    def backward(self, top_diffs, bottoms, tops):
        instance = self.instance
        on_device = self.backend.name != "cpu"
        for blob, diff in zip(instance.top, top_diffs, strict=True):
            blob._diff = self._host(diff, blob.shape, blob.data.dtype)  # a loss top's: its weight
        for blob in (*instance.bottom, *instance.blobs):
            blob.diff[...] = 0
        python_code.call(
            self.spec, "backward", instance.code, instance.top, list(self.propagate_down), instance.bottom
        )
        if on_device:
            for blob, gradient in zip(instance.blobs, self.grads, strict=True):
                self.backend.copy_from_host(gradient, np.ascontiguousarray(blob.diff, dtype=gradient.dtype))
        diffs = []
        for blob, wanted in zip(instance.bottom, self.propagate_down, strict=True):
            if not wanted:
                diffs.append(None)
            elif not on_device:
                diffs.append(blob.diff)
            else:
                diffs.append(self.backend.to_device(blob.diff))
        return diffs
