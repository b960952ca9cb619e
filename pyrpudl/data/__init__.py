"""Data sources of seed 000: CIFAR-10 binary, MNIST and Fashion-MNIST (IDX), LMDB; mean images."""

from pyrpudl.data.downloads import DownloadError, Remote
from pyrpudl.data.lmdb_io import read_lmdb, write_lmdb
from pyrpudl.data.mean_file import read_mean, write_mean
from pyrpudl.data.source import FORMATS, DataSource, create_data_source

__all__ = [
    "FORMATS",
    "DataSource",
    "DownloadError",
    "Remote",
    "create_data_source",
    "read_lmdb",
    "read_mean",
    "write_lmdb",
    "write_mean",
]
