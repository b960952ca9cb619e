"""A walk-through of pyrpudl from Python: seed 000's convnet session and seed 001's deep belief
network on the same engine the R packages use, with plotnine pictures.

    .venv/bin/python vignettes/python_walkthrough.py [output folder]     (CI=1: fewer iterations)

It writes cost.png, filters.png and darch-errors.png into the output folder (default: out/python).
"""

import os
import sys
from pathlib import Path

import numpy as np

from pyrpudl import darch as dn
from pyrpudl import plot
from pyrpudl.model import predict
from pyrpudl.rpudl import (
    rpudl,
    rpudlCreateDataSource,
    rpudlFindTrainingDataMean,
    rpudlGetLayerWeights,
    rpudlGetTestingDataSamples,
    rpudlNetInput,
    rpudlSaveModel,
    rpudlTrain,
)

QUICK = bool(os.environ.get("CI"))
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "out/python")
OUT.mkdir(parents=True, exist_ok=True)
PROTOTXTS = Path(__file__).resolve().parents[1] / "r_wrapper" / "rpud" / "inst" / "rpudl"

# 1. Seed 000 under its R names: a data source (Debian's Fashion-MNIST), its mean image, LeNet.
ds = rpudlCreateDataSource("fashion-mnist", OUT / "fashion")
print(ds)
rpudlFindTrainingDataMean(ds, "fashion-data.mean")
model = rpudl(PROTOTXTS / "lenet_train.prototxt", ds)
model = rpudlTrain(model, batch=64, iter=200 if QUICK else 2000, learning_rate=0.01)

x, y = rpudlGetTestingDataSamples(ds, (1, 12))
print("12 test images, predicted right:", int(np.sum(predict(model, x) == y)))

# The weights as Caffe's .caffemodel (Caffe reads it; rpudl(weights=) starts a model from one).
rpudlSaveModel(model, OUT / "lenet.caffemodel")
again = rpudl(PROTOTXTS / "lenet_train.prototxt", ds, weights=OUT / "lenet.caffemodel")
print(
    "the same predictions from the .caffemodel:", bool(np.array_equal(predict(again, x), predict(model, x)))
)
# Caffe's deploy net (Input layer, no data source) with those weights, fed what the Data layer made.
deployed = rpudl(PROTOTXTS / "lenet_deploy.prototxt", weights=OUT / "lenet.caffemodel")
print(
    "the same predictions from the deploy net:",
    bool(np.array_equal(predict(deployed, rpudlNetInput(model, x)), predict(model, x))),
)

plot.cost_curve(model).save(OUT / "cost.png", width=6, height=4, dpi=100, verbose=False)
plot.layer_filters(rpudlGetLayerWeights(model, "conv1")).save(OUT / "filters.png", width=5, height=4, dpi=100,
                                                               verbose=False)  # fmt: skip

# 2. Seed 001's network in Python names: 2-4-1 learns XOR with conjugate gradients.
inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
outputs = np.array([[0], [1], [1], [0]], float)
net = dn.new_darch([2, 4, 1], batch_size=4, seed=7, log=dn.DarchLog.make(level="WARN"))
net = net.with_units("sigmoidUnitDerivative")
net.fine_tune_function = "minimizeClassifier"
net = dn.fine_tune(net, inputs, outputs, 100, log=dn.DarchLog.make(level="WARN")).darch
print("XOR outputs:", np.round(dn.run(net, inputs)[0][-1].ravel(), 3))

# 3. A small deep belief network on Fashion-MNIST: pretrained, then fine-tuned with a test set.
images, labels = ds.train_images.reshape(60000, -1), ds.train_labels
n = 3000 if QUICK else 20000
train_x = (images[:n] / 255).astype(np.float32)
train_y = np.eye(10, dtype=np.float32)[labels[:n]]
test_x = (ds.test_images.reshape(10000, -1) / 255).astype(np.float32)
test_y = np.eye(10, dtype=np.float32)[ds.test_labels]
quiet = dn.DarchLog.make(level="WARN")
dbn = dn.new_darch([784, 200, 10], batch_size=100, precision="single", log=quiet)
dbn = dn.pretrain(dbn, train_x, 1 if QUICK else 3, log=quiet).darch
dbn = dbn.with_units("sigmoidUnitDerivative").with_units("softmaxUnitDerivative", [1])
dbn.error_function, dbn.learn_rate_weights, dbn.learn_rate_biases = "crossEntropyError", 0.2, 0.2
dbn = dn.fine_tune(
    dbn, train_x, train_y, 2 if QUICK else 10, test=(test_x, test_y), shuffle=True, log=quiet
).darch
print(f"DBN test accuracy: {100 - dbn.stats['testClassErrors'][-1]:.1f}%")
plot.darch_errors(dbn).save(OUT / "darch-errors.png", width=6, height=4, dpi=100, verbose=False)
print("wrote", ", ".join(str(OUT / f) for f in ("cost.png", "filters.png", "darch-errors.png")))
