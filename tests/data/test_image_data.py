"""Caffe's ImageData layer: images listed in text files ("path label"), read as Caffe reads them,
and a net that trains on them without a data source."""

import numpy as np
import pytest
from PIL import Image

from pyrpudl import cli
from pyrpudl.errors import InputError
from pyrpudl.model import create_model, predict
from pyrpudl.solver.trainer import train
from tests.solver.conftest import sgd

NET = """
layer { name: "data" type: "ImageData" top: "data" top: "label" include { phase: TRAIN }
        transform_param { scale: 0.00390625 mean_file: "MEAN" }
        image_data_param { source: "train.txt" batch_size: 4 shuffle: true
                           new_height: 8 new_width: 6 IS_COLOR } }
layer { name: "data" type: "ImageData" top: "data" top: "label" include { phase: TEST }
        transform_param { scale: 0.00390625 mean_file: "MEAN" }
        image_data_param { source: "test.txt" batch_size: 4 new_height: 8 new_width: 6 IS_COLOR } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "ip" type: "InnerProduct" bottom: "conv" top: "ip"
        inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
"""


def write_images(folder, colour=True, mean="mean.binaryproto"):
    """Six training and four test images of two sizes under images/, labelled by the red channel."""
    rng = np.random.default_rng(0)
    (folder / "images" / "a").mkdir(parents=True)
    pictures = {}
    for name, count in (("train", 6), ("test", 4)):
        lines = []
        for i in range(count):
            label = i % 2
            size = (10, 12) if i % 3 else (16, 12)  # (height, width)
            pixels = rng.integers(0, 60, (*size, 3), dtype=np.uint8)
            pixels[..., 0] += 150 * label
            path = f"a/{name}{i}.png"
            Image.fromarray(pixels).save(folder / "images" / path)
            pictures[path] = pixels
            lines.append(f"{path} {label}")
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
    text = NET.replace("MEAN", mean).replace("IS_COLOR", "" if colour else "is_color: false")
    text = text.replace("image_data_param {", 'image_data_param { root_folder: "images/"')
    (folder / "net.prototxt").write_text(text)
    return folder / "net.prototxt", pictures


def test_a_net_trains_on_listed_images_without_a_data_source(tmp_path):
    prototxt, pictures = write_images(tmp_path)
    model = create_model(prototxt, seed=1)
    source = model.source
    assert source.shape == (3, 8, 6) and len(source.train_images) == 6 and len(source.test_images) == 4
    np.testing.assert_array_equal(source.train_labels, [0, 1, 0, 1, 0, 1])
    assert source.shuffle
    # resized, then in OpenCV's blue, green, red planes
    want = np.asarray(Image.fromarray(pictures["a/train1.png"]).resize((6, 8), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(source.train_images[1], want[..., ::-1].transpose(2, 0, 1))
    assert (tmp_path / "mean.binaryproto").is_file()  # the mean the transform names, computed once
    np.testing.assert_allclose(source.mean, source.train_images.mean(axis=0), rtol=1e-5)
    trained = train(model, batch=4, iterations=60, solver=sgd(0.05), report=False).model
    x, y = source.testing_samples(0, 4)
    assert (predict(trained, x.reshape(4, -1)) == y).mean() == 1.0
    again = create_model(prototxt, seed=1)  # the mean file is there now: read, not computed
    np.testing.assert_array_equal(again.source.mean, source.mean)


def test_grey_images_have_one_channel(tmp_path):
    prototxt, pictures = write_images(tmp_path, colour=False)
    source = create_model(prototxt).source
    assert source.shape == (1, 8, 6)
    grey = Image.fromarray(pictures["a/test0.png"]).convert("L").resize((6, 8), Image.Resampling.BILINEAR)
    np.testing.assert_array_equal(source.test_images[0, 0], np.asarray(grey))


def test_the_command_line_trains_an_imagedata_net(tmp_path, capsys, monkeypatch):
    prototxt, _ = write_images(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", str(prototxt), "--iterations", "2", "--batch", "2", "--test", "4"]) == 0
    assert "test accuracy on the first 4 test images" in capsys.readouterr().out


def test_bad_lists_and_images_are_named(tmp_path):
    prototxt, _ = write_images(tmp_path)
    listing = tmp_path / "train.txt"
    good = listing.read_text()
    listing.write_text(good + "a/missing.png 1\n")
    with pytest.raises(
        InputError, match="train.txt, line 7: the image images/a/missing.png is neither there"
    ):
        create_model(prototxt)
    listing.write_text(good + "a/train0.png cat\n")
    with pytest.raises(
        InputError, match="line 7: 'a/train0.png cat' is not an image's path and a whole-number"
    ):
        create_model(prototxt)
    listing.write_text(good)
    prototxt.write_text(prototxt.read_text().replace("new_height: 8 new_width: 6", ""))
    with pytest.raises(InputError, match="is 10 x 12 but .* is 16 x 12: give image_data_param new_height"):
        create_model(prototxt)
    prototxt.write_text(prototxt.read_text().replace('source: "train.txt"', 'source: "none.txt"'))
    with pytest.raises(InputError, match="its source 'none.txt' is not there"):
        create_model(prototxt)
