"""Image files decoded as Caffe decodes them (OpenCV): (channels, height, width) uint8, colour in
OpenCV's blue, green, red order. Pillow does the decoding; its JPEG decoder and its bilinear
resize may differ from OpenCV's by a unit in some pixels (more when shrinking)."""

import io
from pathlib import Path

import numpy as np

from pyrpudl.errors import InputError

GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def decode_image(
    image: bytes | Path, where: str, colour: bool | None = None, size: tuple[int, int] | None = None
) -> np.ndarray:
    """The image (a file, or an encoded file's bytes) as (channels, height, width) uint8; ``where``
    names it in errors ("the image x.png").

    ``colour``: True three channels, False one grey one (Caffe's is_color); None as the image is
    (OpenCV's IMREAD_ANYCOLOR, Caffe's Data layer on an encoded Datum: an alpha channel dropped).
    ``size``: (height, width) to resize to (bilinear), None to keep."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow comes with the dependencies
        raise InputError(f"{where} needs Pillow to be decoded (pip install pillow)") from None
    try:
        with Image.open(io.BytesIO(image) if isinstance(image, bytes) else image) as opened:
            grey = opened.mode in GREY_MODES if colour is None else not colour
            converted = opened.convert("L" if grey else "RGB")
            if size is not None:
                converted = converted.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            pixels = np.asarray(converted)
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{where} cannot be decoded ({exc})") from None
    if grey:
        return pixels[None].copy()
    return np.ascontiguousarray(pixels[:, :, ::-1].transpose(2, 0, 1))  # RGB -> OpenCV's BGR planes
