"""Caffe's SGD solver: learning-rate policies and the update over the flat parameter buffer."""

from pyrpudl.solver.lr_policy import LR_POLICIES, learning_rate

__all__ = ["LR_POLICIES", "learning_rate"]
