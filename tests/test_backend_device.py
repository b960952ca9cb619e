import numpy as np
import pytest

from pyrpudl.backend import cuda_status, resolve_device
from pyrpudl.errors import DeviceUnavailableError, InputError


@pytest.fixture(autouse=True)
def no_device_setting(monkeypatch):
    monkeypatch.delenv("PYRPUDL_DEVICE", raising=False)
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    cuda_status.cache_clear()
    yield
    cuda_status.cache_clear()


def test_cpu_is_always_available_and_auto_falls_back_to_it():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if cuda_status().available else "cpu")


def test_the_environment_variable_chooses_when_no_argument_does(monkeypatch):
    monkeypatch.setenv("PYRPUDL_DEVICE", "cpu")
    assert resolve_device() == "cpu"
    monkeypatch.setenv("PYRPUDL_DEVICE", "tpu")
    with pytest.raises(InputError, match="from PYRPUDL_DEVICE.*auto, cpu, cuda"):
        resolve_device()


def test_asking_for_cuda_without_a_gpu_says_why():
    status = cuda_status()
    if status.available:
        pytest.skip("a GPU is present")
    with pytest.raises(DeviceUnavailableError, match="CUDA cannot be used: .*Use device 'cpu'"):
        resolve_device("cuda")
    assert status.reason  # the reason is never empty


def test_the_cuda_simulator_counts_as_cuda(monkeypatch):
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    assert cuda_status().simulator
    assert resolve_device("cuda") == "cuda"


def test_arrays_go_to_the_device_with_textbook_strides():
    from numba.cuda.cudadrv import dummyarray

    from pyrpudl.backend.backend import canonical

    images = np.zeros((6, 1, 4, 4), np.uint8)
    images = np.lib.stride_tricks.as_strided(images, images.shape, (16, 0, 4, 1))  # as IDX files load
    fixed = canonical(images)
    assert fixed.strides == (16, 16, 4, 1) and np.shares_memory(fixed, images)
    # Numba's device arrays reshape by these rules: one extent means no copy is needed
    _, extents = dummyarray.Array.from_desc(0, fixed.shape, fixed.strides, 1).reshape(6, 16)
    assert len(extents) == 1
