"""How well rpud's siamese net (siamese_train.prototxt: two LeNet towers sharing their weights,
down to 2 numbers, trained by a ContrastiveLoss) separates Fashion-MNIST's classes in its 2-D
feature space, trained on Caffe's random pairs (about one in ten similar) with Caffe's siamese
solver settings (siamese_solver.prototxt).

    .venv/bin/python benchmarks/siamese_fashion.py [iterations] [model.npz]

Prints the training and test log, then the share of test images whose features lie nearest the
mean feature of their own class (class means from the training images): a classifier that the
net was never told the classes for, only which pairs agree. Saves the model for pictures.
"""

import sys
import time
from pathlib import Path

import numpy as np

from pyrpudl.data import create_data_source
from pyrpudl.extract import extract_features
from pyrpudl.model import create_model
from pyrpudl.model_io import save_model
from pyrpudl.net.prototxt import parse_solver
from pyrpudl.solver.trainer import train

RPUDL = Path(__file__).resolve().parents[1] / "r_wrapper" / "rpud" / "inst" / "rpudl"


def embed(model, images: np.ndarray) -> np.ndarray:
    """Each image's 2-D feature: the image paired with itself through the first tower."""
    both = np.concatenate([images, images], axis=1).reshape(len(images), -1)
    return extract_features(model, both, "feat")


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    output = sys.argv[2] if len(sys.argv) > 2 else "siamese.npz"
    fashion = create_data_source("fashion-mnist", Path("/tmp/fashion-siamese"))
    pairs = fashion.pairs(seed=0)
    model = create_model(RPUDL / "siamese_train.prototxt", pairs, seed=0)
    started = time.perf_counter()
    model = train(model, 64, iterations, parse_solver(RPUDL / "siamese_solver.prototxt")).model
    print(f"trained {iterations} iterations in {time.perf_counter() - started:.1f} s")
    save_model(model, output)
    train_features = embed(model, fashion.train_images[:10000])
    test_features = embed(model, fashion.test_images)
    train_labels = fashion.train_labels[:10000]
    centroids = np.stack([train_features[train_labels == c].mean(axis=0) for c in range(10)])
    nearest = np.argmin(((test_features[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    share = float(np.mean(nearest == fashion.test_labels))
    print(f"nearest class mean in the 2-D features: {share:.4f} of {len(test_features)} test images")


if __name__ == "__main__":
    main()
