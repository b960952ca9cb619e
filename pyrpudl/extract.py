"""A blob of the TEST net for given images: features from inside a trained net (Caffe's
``extract_features`` tool, pycaffe's ``net.blobs[name].data``).

A blob that an in-place layer rewrites (``ip1`` under LeNet's ReLU) holds the last layer's values,
as in Caffe. Blobs that depend on labels (loss, accuracy) are not per image and are refused.
"""

import numpy as np

from pyrpudl.backend import get_backend
from pyrpudl.errors import InputError
from pyrpudl.model import Model, Scorer, check_images


def extract_features(
    model: Model, x: np.ndarray, blob: str, chunk: int = 100, device: "str | None" = None
) -> np.ndarray:
    """float32 (n, *blob shape) values of the TEST net's ``blob`` for images ``x`` (as
    :func:`pyrpudl.model.predict` takes them), ``chunk`` images per forward pass, on ``device``.

    Raises
    ------
    InputError
        For images of the wrong size, or a blob the TEST net does not have or that is not one value
        set per image (the names of those it has are listed).
    """
    x = check_images(model, x)
    scorer = Scorer(model, model.params.to(get_backend(device)), chunk)
    to_host = scorer.params.backend.to_host
    parts = []
    for count, blobs in scorer.batches(x):
        if not parts:
            _check_blob(scorer, count, blob)
        parts.append(np.array(to_host(blobs[blob]), np.float32))
    if not parts:  # no images: the blob's shape from a net of one
        _check_blob(scorer, 1, blob)
        return np.empty((0, *scorer.net_shapes(1)[blob][1:]), np.float32)
    return np.concatenate(parts)


def _check_blob(scorer: Scorer, count: int, blob: str) -> None:
    shapes = scorer.net_shapes(count)
    per_image = [
        name for name, shape in shapes.items() if shape and shape[0] == count and name != scorer.label_top
    ]
    if blob not in per_image:
        raise InputError(
            f"the TEST net has no blob {blob!r} with values for each image; its blobs: {', '.join(per_image)}"
        )
