"""Caffe's MemoryData layer: it reads the model's data source (in memory already) as a Data layer
does, transform and batch_size included, and its channels, height and width must be the data's."""

import re

import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.model import create_model
from pyrpudl.net.transform import batch_size, data_layer
from tests.net.layers.helpers import short_runs
from tests.solver.conftest import LENET


def memory_data(text: str, sizes: str = "channels: 1 height: 28 width: 28") -> str:
    """LeNet's Data layers as MemoryData layers of the same batch sizes."""
    text = text.replace('type: "Data"', 'type: "MemoryData"')
    return re.sub(
        r"data_param \{\s*source: \S+\s*batch_size: (\d+)\s*backend: LMDB\s*\}",
        lambda m: f"memory_data_param {{ batch_size: {m.group(1)} {sizes} }}",
        text,
    )


def test_lenet_fed_by_memory_data_trains_as_with_data_layers(model):
    text = memory_data(LENET.read_text())
    assert text.count('type: "MemoryData"') == 2 and "data_param {" not in text.replace(
        "memory_data_param", ""
    )
    runs = short_runs(model.source, LENET.read_text(), text)
    assert runs[0].cost_log == runs[1].cost_log
    assert np.array_equal(runs[0].params.data, runs[1].params.data)
    assert [batch_size(data_layer(runs[1].spec, phase)) for phase in ("TRAIN", "TEST")] == [64, 100]


def test_memory_data_of_other_sizes_than_the_data_is_refused(model):
    with pytest.raises(
        InputError, match=r"'mnist' \(MemoryData\) gives examples of 3 x 32 x 32, but the data"
    ):
        create_model(memory_data(LENET.read_text(), "channels: 3 height: 32 width: 32"), model.source)
