"""The CPU's inference convolution in chunks of images against the batch path (one GEMM for the batch)."""

import os
import time

import numpy as np
import pytest

from pyrpudl.backend import cpu_workers
from pyrpudl.net.layers import convolution_chunks
from tests.net.layers.test_convolution import CASES, conv

GEOMETRIES = {
    **CASES,
    "5x5 pad 2 (cifar10_quick)": ("num_output: 4 kernel_size: 5 pad: 2", (2, 3, 8, 8)),
    "1x1 with padding": ("num_output: 3 kernel_size: 1 pad: 1", (2, 2, 4, 5)),
}


@pytest.fixture
def workers(request, monkeypatch):
    monkeypatch.setattr(cpu_workers, "thread_count", lambda: request.param)
    return request.param


@pytest.fixture
def chunk_images(request, monkeypatch):
    """Chunks of this many images (of these small ones): CHUNK_BYTES set to their columns' size."""
    real = convolution_chunks.ChunkConvolution.__init__

    def init(self, layer):
        real(self, layer)
        self.chunk = request.param

    monkeypatch.setattr(convolution_chunks.ChunkConvolution, "__init__", init)
    return request.param


def layer_and_image(params, shape):
    layer = conv(params, (5, *shape[1:]), np.float32)  # more images than workers, not a multiple
    layer.direct = False  # chunks are for what the direct path does not take (column stride > 1)
    image = np.random.default_rng(5).standard_normal((5, *shape[1:])).astype(np.float32)
    return layer, image


@pytest.mark.parametrize("chunk_images", [1, 2, 8], indirect=True)
@pytest.mark.parametrize("workers", [1, 2, 3], indirect=True)
@pytest.mark.parametrize("params, shape", GEOMETRIES.values(), ids=GEOMETRIES.keys())
def test_inference_in_chunks_equals_the_batch_path(params, shape, workers, chunk_images):
    layer, image = layer_and_image(params, shape)
    assert layer.chunked and layer._chunks.chunk == chunk_images
    inference = layer.forward([image], False)[0].copy()
    training = layer.forward([image], True)[0].copy()  # the batch path
    np.testing.assert_allclose(inference, training, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("workers", [2], indirect=True)
def test_a_backward_pass_after_an_inference_forward_makes_its_own_columns(workers):
    params, shape = GEOMETRIES["5x5 pad 2 (cifar10_quick)"]
    layer, image = layer_and_image(params, shape)
    top = layer.forward([image], True)[0].copy()
    diff = np.random.default_rng(6).standard_normal(top.shape).astype(np.float32)
    want = [layer.backward([diff], [image], [top])[0].copy(), *[g.copy() for g in layer.grads]]
    other = np.random.default_rng(7).standard_normal(image.shape).astype(np.float32)
    layer.forward([other], True)  # the batch columns now hold another batch
    layer.forward([image], False)
    got = [layer.backward([diff], [image], [top])[0], *layer.grads]
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_worker_error_reaches_the_caller_after_every_slice_stopped():
    finished = []

    def work(worker, first, last):
        if worker == 1:
            raise ValueError("image 3 is broken")
        finished.append((first, last))

    with pytest.raises(ValueError, match="image 3 is broken"):
        cpu_workers.run(6, work, workers=3)
    assert sorted(finished) == [(0, 2), (4, 6)]


def test_slices_cover_the_batch_in_order():
    assert cpu_workers.slices(5, 2) == [(0, 2), (2, 5)]
    assert cpu_workers.slices(2, 4) == [(0, 1), (1, 2)]
    assert cpu_workers.slices(3, 1) == [(0, 3)]


def test_a_forked_child_runs_on_threads_of_its_own():
    cpu_workers.run(4, lambda worker, first, last: None, workers=2)  # the parent's pool exists
    pid = os.fork()
    if pid == 0:  # the child: R's mclapply forks like this
        code = 1
        try:
            ran = []
            cpu_workers.run(4, lambda worker, first, last: ran.append(worker), workers=2)
            code = 0 if sorted(ran) == [0, 1] else 3
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's batch work never finished (it waited on its parent's threads)")


def test_single_threaded_blas_nests_and_restores_the_thread_count():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with cpu_workers.single_threaded_blas():
        assert set(blas_threads()) == {1}
        with cpu_workers.single_threaded_blas():  # a worker's run() inside a held pass
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}  # the inner exit does not restore early
    assert blas_threads() == before
