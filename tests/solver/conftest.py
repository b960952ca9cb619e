from pyrpudl.proto import rpudl_model_pb2 as pb
from tests.net.test_prototxt import CAFFE

LENET = CAFFE / "lenet_train_test.prototxt"


def sgd(rate=0.01):
    return pb.SolverParameter(base_lr=rate, momentum=0.9, weight_decay=0.0005, lr_policy="fixed")
