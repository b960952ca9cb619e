"""Caffe's input transform (its DataTransformer), as a Data layer's ``transform_param`` asks.

``(pixel - mean) * scale``, where the mean is one value per channel (``mean_value``) or else the
data source's mean image: ``mean_file`` requires one, and without either setting the source's mean
applies when one was computed or loaded (rpudl's convention: seed 000 computes the mean, and
training uses it); then, with ``crop_size``, a square window: at a random place in training, at
the centre in the TEST phase; with ``mirror``, flipped left to right at random in training.

Two departures from Caffe, both for repeatability: the random draws come from the model's seed and
the iteration (so a resumed run crops as an uninterrupted one), and prediction never mirrors
(Caffe flips TEST images at random too when the TEST layer says ``mirror: true``).
"""

from dataclasses import dataclass, field

import numpy as np

from pyrpudl.data import DataSource
from pyrpudl.data.source import dims
from pyrpudl.errors import InputError
from pyrpudl.net.state import DATA_TYPES, layers_for_phase
from pyrpudl.proto import rpudl_model_pb2 as pb

_STREAM = 0xC809  # keeps the augmentation's draws apart from the other seeded streams


@dataclass(frozen=True, eq=False)
class InputTransform:
    phase: str
    image_shape: tuple[int, int, int]  # (channels, height, width) of the source's images
    # float32 image_shape: what is subtracted from each pixel (zeros: nothing)
    mean: np.ndarray = field(repr=False)
    scale: float
    crop: int  # the window's side; 0: the whole image
    mirror: bool

    @property
    def shape(self) -> tuple[int, ...]:
        """(channels, height, width) of the net's input (an HDF5 example's shape)."""
        if not self.crop:
            return tuple(self.image_shape)
        return (self.image_shape[0], self.crop, self.crop)

    @property
    def augments(self) -> bool:
        """Whether training cuts or flips images (each batch then needs its draws)."""
        return bool(self.crop) or self.mirror

    def draws(self, seed: int, first_iteration: int, count: int, batch: int) -> np.ndarray:
        """int32 (count * batch, 3): (top, left, mirror) of each example of ``count`` iterations.

        Iteration ``it``'s draws depend only on ``seed`` and ``it``. Training crops at random, TEST
        at the centre; only training mirrors.
        """
        out = np.zeros((count, batch, 3), np.int32)
        _, height, width = self.image_shape
        crop_h, crop_w = self.shape[1:]
        if self.phase != "TRAIN":
            out[..., 0], out[..., 1] = (height - crop_h) // 2, (width - crop_w) // 2
            return out.reshape(-1, 3)
        for i in range(count):
            rng = np.random.default_rng([seed, _STREAM, first_iteration + i])
            out[i, :, 0] = rng.integers(0, height - crop_h + 1, batch)
            out[i, :, 1] = rng.integers(0, width - crop_w + 1, batch)
            if self.mirror:
                out[i, :, 2] = rng.integers(0, 2, batch)
        return out.reshape(-1, 3)

    def apply(self, images: np.ndarray) -> np.ndarray:
        """The TEST-phase transform of images (n, channels, height, width) on the host: float32
        (n, *shape), centre-cropped, never mirrored."""
        out = (np.asarray(images, np.float32) - self.mean) * np.float32(self.scale)
        if self.crop:
            _, height, width = self.image_shape
            top, left = (height - self.crop) // 2, (width - self.crop) // 2
            out = out[:, :, top : top + self.crop, left : left + self.crop]
        return np.ascontiguousarray(out)


def batch_size(layer: pb.LayerParameter) -> int:
    """A Data (HDF5Data, ImageData, MemoryData) layer's batch_size; 0 when it gives none."""
    if layer.type == "HDF5Data":
        return layer.hdf5_data_param.batch_size
    if layer.type == "MemoryData":
        return layer.memory_data_param.batch_size
    return layer.image_data_param.batch_size if layer.type == "ImageData" else layer.data_param.batch_size


def data_layer(spec: pb.NetParameter, phase: str) -> pb.LayerParameter:
    """The first Data (or HDF5Data) layer of the net's ``phase``."""
    layer = next((layer for layer in layers_for_phase(spec, phase) if layer.type in DATA_TYPES), None)
    if layer is None:
        raise InputError(
            f"the model's prototxt has no Data layer in its {phase} phase to read the data source"
        )
    return layer


def input_transform(spec: pb.NetParameter, source: DataSource, phase: str) -> InputTransform:
    """The transform of ``phase``'s Data layer over ``source``'s images, checked as Caffe checks it.

    Raises
    ------
    InputError
        Both a mean file and mean values; a mean file the source has not computed or loaded; a count
        of mean values that is neither 1 nor the number of channels; a crop larger than the images;
        ``force_color`` or ``force_gray`` (they apply to encoded images, which sources decode).
    """
    layer = data_layer(spec, phase)
    if layer.type == "HDF5Data":  # Caffe's HDF5Data transforms nothing
        return InputTransform(phase, tuple(source.shape), np.zeros(source.shape, np.float32), 1.0, 0, False)
    param, where = layer.transform_param, f"layer {layer.name!r}"
    if len(source.shape) != 3:  # examples that are not images (arrays of rows): only scale applies
        if param.mean_value or param.crop_size or param.mirror or param.mean_file:
            raise InputError(
                f"{where}: mean_file, mean_value, crop_size and mirror need images (channels x height x "
                f"width), but the examples are {dims(source.shape)}; leave only scale in transform_param"
            )
        zeros = np.zeros(source.shape, np.float32)
        return InputTransform(phase, tuple(source.shape), zeros, float(param.scale), 0, False)
    channels, height, width = shape = tuple(source.shape)
    if param.mean_file and param.mean_value:
        raise InputError(f"{where}: give either mean_file or mean_value in transform_param, not both")
    if param.force_color or param.force_gray:
        raise InputError(
            f"{where}: force_color and force_gray are not supported (the images are decoded); remove them"
        )
    if param.mean_file and source.mean is None:
        raise InputError(
            f"the model subtracts a mean image ({param.mean_file}); compute it first with "
            "rpudlFindTrainingDataMean() (or load one with rpudlLoadTrainingDataMean())"
        )
    if param.mean_value:
        values = list(param.mean_value)
        if len(values) not in (1, channels):
            raise InputError(
                f"{where}: {len(values)} mean_value entries for images of {channels} channels; "
                f"give one value, or one per channel"
            )
        per_channel = np.array(values * channels if len(values) == 1 else values, np.float32)
        mean = np.broadcast_to(per_channel[:, None, None], shape).astype(np.float32)
    elif source.mean is not None:
        mean = source.mean.astype(np.float32)
    else:
        mean = np.zeros(shape, np.float32)
    if param.crop_size > min(height, width):
        raise InputError(
            f"{where}: crop_size {param.crop_size} is larger than the images ({height} x {width}); "
            "use a crop of at most their height and width"
        )
    return InputTransform(phase, shape, mean, float(param.scale), int(param.crop_size), bool(param.mirror))
