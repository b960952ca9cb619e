"""The CUDA backend's array helpers."""

import gc
import weakref

import numpy as np

from pyrpudl.backend import get_backend


def test_views_are_reused_and_die_with_their_array():
    backend = get_backend("cuda")
    array = backend.empty((4, 6))
    view = backend.view(array, (24,))
    assert backend.view(array, (24,)) is view and view.shape == (24,)
    gone = weakref.ref(view)
    del array, view
    gc.collect()
    assert gone() is None, "a cached view outlived its array (it would keep its device memory)"


def test_datasets_stay_resident_and_convert_once():
    backend = get_backend("cuda")
    labels = np.arange(10, dtype=np.uint8)
    first = backend.resident(labels, np.int32)
    assert backend.resident(labels, np.int32) is first
    assert first.dtype == np.int32
    np.testing.assert_array_equal(first.copy_to_host(), labels)
