"""Caffe's ReLU written as a Python layer (pycaffe's interface), for benchmarks/python_layer_cost.py."""

import caffe
import numpy as np


class ReLU(caffe.Layer):
    def reshape(self, bottom, top):
        top[0].reshape(*bottom[0].data.shape)

    def forward(self, bottom, top):
        np.maximum(bottom[0].data, 0, out=top[0].data)

    def backward(self, top, propagate_down, bottom):
        if propagate_down[0]:
            np.multiply(top[0].diff, bottom[0].data > 0, out=bottom[0].diff)
