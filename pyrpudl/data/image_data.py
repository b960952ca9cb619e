"""Caffe's ImageData layer's files: ``image_data_param { source: "train.txt" }`` names a text file
with a line per image, its path and its label (``cat/001.png 3``; split at the last space, as
Caffe does), each path read as ``root_folder`` + path. The images are read into memory once,
decoded as Caffe's ReadImageToCVMat does (``is_color``: three channels in OpenCV's blue, green, red
order, else one grey channel), and resized to ``new_height`` x ``new_width`` when both are given
(bilinear, Pillow's: close to OpenCV's resize, not equal to it when shrinking). Then they are a
data source like any other: the layer's ``transform_param`` (mean, scale, crop, mirror) applies, and
``shuffle: true`` reads them in a new order each epoch.
"""

from pathlib import Path

import numpy as np

from pyrpudl.data.images import decode_image
from pyrpudl.errors import InputError
from pyrpudl.files import find_file


def listed_images(layer, folders: tuple[Path, ...] = ()) -> tuple[list[Path], np.ndarray]:
    """The image files and labels of an ImageData ``layer``'s list (looked for as written, then in
    ``folders``; each image as written, then beside the list, then in ``folders``)."""
    param = layer.image_data_param
    listing = find_file(Path(param.source).expanduser(), folders) if param.source else None
    if listing is None:
        where = ", ".join(str(f) for f in (Path.cwd(), *folders))
        raise InputError(
            f"ImageData layer {layer.name!r}: its source {param.source!r} is not there (looked in {where}); "
            "give the text file that lists its images, a path and a label per line"
        )
    try:
        lines = listing.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the ImageData list {listing}: {exc}") from None
    paths, labels = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        name, _, label = line.rstrip().rpartition(" ")
        if not name or not label.lstrip("-").isdigit():
            raise InputError(
                f"{listing}, line {number}: {line.strip()!r} is not an image's path and a whole-number label"
            )
        path = Path(param.root_folder + name).expanduser()
        found = find_file(path, (listing.parent, *folders))
        if found is None:
            raise InputError(
                f"{listing}, line {number}: the image {path} is neither there nor beside the list"
            )
        paths.append(found)
        labels.append(int(label))
    if not paths:
        raise InputError(f"the ImageData list {listing} names no images; give a path and a label per line")
    return paths, np.array(labels, np.int32)


def read_images(paths: list[Path], is_color: bool, height: int = 0, width: int = 0) -> np.ndarray:
    """The images as one (n, channels, height, width) uint8 array; resized when ``height`` and
    ``width`` are given, else all of one size."""
    size = (height, width) if height and width else None
    images = None
    for i, path in enumerate(paths):
        planes = decode_image(path, f"the image {path}", colour=is_color, size=size)
        if images is None:
            images = np.empty((len(paths), *planes.shape), np.uint8)
        elif planes.shape != images.shape[1:]:
            raise InputError(
                f"{path} is {planes.shape[1]} x {planes.shape[2]} but {paths[0]} is {images.shape[2]} x "
                f"{images.shape[3]}: give image_data_param new_height and new_width to resize them all"
            )
        images[i] = planes
    return images


def image_data_source(train, test, folders: tuple[Path, ...] = ()):
    """The data source of a net whose Data layers are ImageData (``train``, and ``test`` or None),
    with the mean its ``transform_param`` names (``folders``: the prototxt's, where relative names
    are looked for after the working folder)."""
    from pyrpudl.data.source import DataSource, dims

    def read(layer):
        if len(layer.top) != 2:
            raise InputError(f"ImageData layer {layer.name!r} needs two tops, the images and their labels")
        p = layer.image_data_param
        if bool(p.new_height) != bool(p.new_width):
            raise InputError(
                f"ImageData layer {layer.name!r}: give both new_height and new_width (or neither), not one"
            )
        paths, labels = listed_images(layer, folders)
        return read_images(paths, p.is_color, p.new_height, p.new_width), labels, paths[0].parent

    train_x, train_y, folder = read(train)
    if test is not None:
        test_x, test_y, _ = read(test)
        if test_x.shape[1:] != train_x.shape[1:]:
            raise InputError(
                f"the TRAIN layer {train.name!r} reads images of {dims(train_x.shape[1:])} but the TEST "
                f"layer {test.name!r} images of {dims(test_x.shape[1:])}; give both the same new_height, "
                "new_width and is_color"
            )
    else:
        test_x, test_y = train_x[:0], train_y[:0]
    source = DataSource("imagedata", folder, folder, train_x, train_y, test_x, test_y)
    source.shuffle = bool(train.image_data_param.shuffle)
    mean_file = train.transform_param.mean_file
    if mean_file:  # Caffe's binaryproto, or the training images' mean written there now
        found = find_file(Path(mean_file).expanduser(), folders)
        if found is not None:
            source.load_mean(found)
        else:  # beside the prototxt when relative (data_dir is where a source writes its mean)
            source.data_dir = folders[0] if folders else Path.cwd()
            source.find_training_mean(str(Path(mean_file).expanduser()))
    return source
