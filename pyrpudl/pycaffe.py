"""What Caffe's Python layers import from pycaffe: ``caffe.Layer``, the blobs they read and write
(``data``, ``diff``, ``shape``, ``reshape``), and ``caffe.TRAIN`` / ``caffe.TEST``.

A prototxt's ``type: "Python"`` layer names a class (``python_param { module layer param_str }``)
that derives from ``caffe.Layer`` and defines ``setup(bottom, top)``, ``reshape(bottom, top)``,
``forward(bottom, top)`` and ``backward(top, propagate_down, bottom)``, as in Caffe. Where Caffe
itself has not been imported, building such a net makes ``import caffe`` find this module, so the
layer files written for Caffe run unchanged; new code may import ``pyrpudl.pycaffe`` instead.

Kept from Caffe: blobs are NumPy arrays written in place (``top[0].data[...] = y``); a loss top
is ``top[0].reshape(1)`` and needs ``loss_weight: 1`` in the prototxt (Python layers are not
losses by type); ``self.param_str`` and ``self.phase`` are set before ``setup``; learned blobs are
added in ``setup`` (``self.blobs.add_blob(*shape)``, first values written there), trained by the
solver (``param { lr_mult }`` applies), saved and loaded with the layer's name, and their gradient
is written to ``self.blobs[i].diff`` in ``backward``. Not built: tops whose shape changes after
``setup`` (pyrpudl's nets keep their shapes).
"""

import numpy as np

TRAIN, TEST = 0, 1


class Blob:
    """A blob as a Python layer sees it: its values and gradient as NumPy arrays of one shape."""

    def __init__(self, shape=(), dtype=np.float32):
        self._dtype = np.dtype(dtype)
        self._data = np.zeros(shape, self._dtype)
        self._diff = np.zeros(shape, self._dtype)
        self.fixed = False  # set once the net is built: the shape may no longer change

    @property
    def data(self) -> np.ndarray:
        return self._data

    @data.setter
    def data(self, value):
        raise AttributeError("a blob's data is written in place, as in Caffe: blob.data[...] = values")

    @property
    def diff(self) -> np.ndarray:
        return self._diff

    @diff.setter
    def diff(self, value):
        raise AttributeError("a blob's diff is written in place, as in Caffe: blob.diff[...] = values")

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def count(self) -> int:
        return int(self._data.size)

    def _legacy(self, axis: int) -> int:
        return self.shape[axis] if axis < len(self.shape) else 1

    num = property(lambda self: self._legacy(0))
    channels = property(lambda self: self._legacy(1))
    height = property(lambda self: self._legacy(2))
    width = property(lambda self: self._legacy(3))

    def reshape(self, *shape) -> None:
        shape = tuple(int(d) for d in (shape[0] if len(shape) == 1 and not np.isscalar(shape[0]) else shape))
        if shape == self.shape:
            return
        if self.fixed:
            raise ValueError(
                f"a blob of shape {list(self.shape)} cannot become {list(shape)} after setup: pyrpudl's "
                "nets keep their shapes (reshape to the same shape, or give the net inputs of one size)"
            )
        self._data = np.zeros(shape, self._dtype)
        self._diff = np.zeros(shape, self._dtype)


class _Blobs(list):
    """``self.blobs`` of a Python layer: its learned blobs, added in ``setup``."""

    def add_blob(self, *shape) -> None:
        """A learned blob of ``shape`` (zeros; ``setup`` may then write its first values)."""
        self.append(Blob(tuple(int(d) for d in shape)))


class Layer:
    """The base class of Caffe's Python layers; each method does nothing until overridden."""

    param_str: str = ""
    phase: int = TRAIN

    @property
    def blobs(self) -> list:
        if "_blobs" not in vars(self):
            self._blobs = _Blobs()
        return self._blobs

    def setup(self, bottom, top):
        pass

    def reshape(self, bottom, top):
        pass

    def forward(self, bottom, top):
        pass

    def backward(self, top, propagate_down, bottom):
        pass
