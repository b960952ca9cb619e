import numpy as np

from pyrpudl.kernels.cpu.transform import transform_u8
from tests import reference


def test_transform_matches_the_reference():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 3 * 4 * 4), dtype=np.uint8)
    mean = rng.uniform(0, 255, size=pixels.shape[1]).astype(np.float32)
    out = np.empty(pixels.shape, dtype=np.float32)
    transform_u8(out, pixels, mean, np.float32(0.00390625))
    np.testing.assert_allclose(out, reference.transform_u8(pixels, mean, 0.00390625), rtol=1e-6)
