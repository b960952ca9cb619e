import pytest

from pyrpudl.data import create_data_source
from pyrpudl.model import create_model
from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.data.files import write_idx_set
from tests.net.test_prototxt import CAFFE

LENET = CAFFE / "lenet_train_test.prototxt"


@pytest.fixture
def model(tmp_path):
    """Caffe's LeNet on 12 random MNIST-format training images."""
    write_idx_set(tmp_path, n_train=12, n_test=4)
    source = create_data_source("mnist", tmp_path, download=False)
    return create_model(LENET, source, seed=1)


def sgd(rate=0.01):
    return pb.SolverParameter(base_lr=rate, momentum=0.9, weight_decay=0.0005, lr_policy="fixed")
