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
            if instance.top_shapes != [tuple(s) for s in self.top_shapes]:
                raise LayerCodeError(
                    f"layer {self.name!r} (Python): its tops are {instance.top_shapes} in this phase "
                    f"but {self.top_shapes} when the net's shapes were worked out (in TRAIN); make "
                    "their shapes the same in both phases"
                )
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
        python_code.call(self.spec, "reshape", instance.code, instance.bottom, instance.top)
        python_code.call(self.spec, "forward", instance.code, instance.bottom, instance.top)
        if self.backend.name == "cpu":
            return [blob.data for blob in instance.top]
        return [self.backend.to_device(blob.data) for blob in instance.top]

    def backward(self, top_diffs, bottoms, tops):
        instance = self.instance
        for blob, diff in zip(instance.top, top_diffs, strict=True):
            blob._diff = self._host(diff, blob.shape, blob.data.dtype)  # a loss top's: its weight
        for blob in instance.bottom:
            blob.diff[...] = 0
        python_code.call(
            self.spec, "backward", instance.code, instance.top, list(self.propagate_down), instance.bottom
        )
        diffs = []
        for blob, wanted in zip(instance.bottom, self.propagate_down, strict=True):
            if not wanted:
                diffs.append(None)
            elif self.backend.name == "cpu":
                diffs.append(blob.diff)
            else:
                diffs.append(self.backend.to_device(blob.diff))
        return diffs
