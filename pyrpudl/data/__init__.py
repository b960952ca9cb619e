"""Data sources of seed 000: CIFAR-10 binary, MNIST and Fashion-MNIST (IDX), mean images."""

from pyrpudl.data.source import FORMATS, DataSource, create_data_source

__all__ = ["FORMATS", "DataSource", "create_data_source"]
