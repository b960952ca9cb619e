"""On the CPU, BLAS is held to one thread while the convolutions keep every core busy themselves."""

import contextlib
from pathlib import Path

import numpy as np

from pyrpudl.net import parse_net
from pyrpudl.net.net import Net

CAFFE = Path(__file__).resolve().parent / "caffe"


def net(prototxt, shape):
    return Net(parse_net(CAFFE / prototxt), "TRAIN", shape, 4, seed=0)


def limited(context) -> bool:
    return not isinstance(context, contextlib.nullcontext)


def test_training_holds_blas_to_one_thread_only_when_every_convolution_runs_direct():
    quick = net("cifar10_quick_train_test.prototxt", (3, 32, 32))
    assert limited(quick._blas_limit(train=True)) and limited(quick._blas_limit(train=False))
    lenet = net("lenet_train_test.prototxt", (1, 28, 28))  # conv2's input gradient in the scatter form
    assert limited(lenet._blas_limit(train=True)) and limited(lenet._blas_limit(train=False))
    for layer in quick.layers:
        if hasattr(layer, "direct"):
            layer.direct = False  # the im2col path: its products want BLAS's threads
    assert not limited(quick._blas_limit(train=True))


def test_a_training_step_under_the_limit_restores_blas_threads():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    quick = net("cifar10_quick_train_test.prototxt", (3, 32, 32))
    before = blas_threads()  # with every library the net loads
    rng = np.random.default_rng(0)
    inputs = {"data": rng.standard_normal((4, 3, 32, 32)).astype(np.float32), "label": rng.integers(0, 10, 4)}
    quick.forward(inputs, train=True)
    quick.backward()
    after = blas_threads()
    assert before and all(after[path] == threads for path, threads in before.items())
