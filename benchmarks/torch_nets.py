"""The peer's side of the benchmarks: Caffe's cifar10_quick and LeNet as torch.nn modules, layer for
layer as in tests/net/caffe (cifar10_quick pools before its first ReLU, with Caffe's ceil rounding)."""

from torch import nn


def quick_torch() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 5, padding=2), nn.MaxPool2d(3, 2, ceil_mode=True), nn.ReLU(),
        nn.Conv2d(32, 32, 5, padding=2), nn.ReLU(), nn.AvgPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.AvgPool2d(3, 2, ceil_mode=True),
        nn.Flatten(), nn.Linear(1024, 64), nn.Linear(64, 10),
    )  # fmt: skip


def lenet_torch() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10),
    )  # fmt: skip


class RowReader(nn.Module):
    """benchmarks/nets/lstm_rows_fashion.prototxt: an LSTM over time-major rows (T, N, inputs),
    Caffe's gate arithmetic, then scores at every timestep. nn.LSTM has two biases where Caffe's
    LSTM has one: the second is zero and frozen, so both nets learn the same parameters."""

    def __init__(self, inputs: int = 28, hidden: int = 128, classes: int = 10):
        super().__init__()
        self.lstm = nn.LSTM(inputs, hidden)
        self.lstm.bias_hh_l0.data.zero_()
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.score = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.score(self.lstm(x)[0])
