import pytest

from pyrpudl.data import create_data_source
from pyrpudl.model import create_model
from tests.data.files import write_idx_set
from tests.solver.conftest import LENET


@pytest.fixture
def model(tmp_path):
    """Caffe's LeNet on 12 random MNIST-format training images and 4 test images."""
    write_idx_set(tmp_path, n_train=12, n_test=4)
    return create_model(LENET, create_data_source("mnist", tmp_path, download=False), seed=1)
