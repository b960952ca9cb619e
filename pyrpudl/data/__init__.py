"""Data sources of seed 000: CIFAR-10 binary, MNIST and Fashion-MNIST (IDX), LMDB; arrays in memory;
mean images."""

from pyrpudl.data.array_source import array_data_source
from pyrpudl.data.downloads import DownloadError, Remote
from pyrpudl.data.lmdb_io import read_lmdb, write_lmdb
from pyrpudl.data.mean_file import read_mean, write_mean
from pyrpudl.data.source import FORMATS, DataSource, create_data_source

__all__ = [
    "FORMATS",
    "DataSource",
    "DownloadError",
    "Remote",
    "array_data_source",
    "create_data_source",
    "read_lmdb",
    "read_mean",
    "write_lmdb",
    "write_mean",
]
