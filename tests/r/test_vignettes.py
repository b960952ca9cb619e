"""The vignettes render (with fewer epochs, as CI renders them) and show what they promise."""

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_clean

pytestmark = [pytest.mark.r, pytest.mark.usefixtures("requires_r")]

VIGNETTES = Path(__file__).resolve().parents[2] / "vignettes"


def render(name: str, tmp_path: Path) -> str:
    shutil.copy(VIGNETTES / name, tmp_path)
    result = run_clean(
        ["Rscript", "-e", f'rmarkdown::render("{name}", output_format = "md_document", quiet = TRUE)'],
        tmp_path, timeout=600, CI="true",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return (tmp_path / name.replace(".Rmd", ".md")).read_text()


def test_the_darch_vignette_runs_the_seed_session_and_learns_xor(tmp_path):
    text = render("darch.Rmd", tmp_path)
    assert "Construct new RBM instance with 2 visible and 4 hidden units." in text
    assert "Epoch 1000 error:" in text and "Epoch: 1000 of 1000" in text
    xor = re.search(r"round\(getExecOutput\(xor\), 4\)\s+\[,1\]\s+\[1,\]\s+(\S+)\s+\[2,\]\s+(\S+)\s+"
                    r"\[3,\]\s+(\S+)\s+\[4,\]\s+(\S+)", text)  # fmt: skip
    assert xor, text[-2000:]
    assert [float(v) > 0.5 for v in xor.groups()] == [False, True, True, False]
    assert len(list(tmp_path.glob("darch_files/figure-*/*.png"))) == 2  # error curve and filters


def test_the_rpudl_vignette_follows_seed_000_on_fashion_mnist(tmp_path):
    text = render("rpudl.Rmd", tmp_path)
    assert "training @iter 100, cost" in text and "training ends with average cost of" in text
    assert re.search(r"sum\(\(obj\$y\) == res\)\s+\[1\] (\d+)", text)
    assert "[1] 20  1  5  5" in text
    assert re.search(r"sum\(obj\$y == predict\(adam, obj\$x\)\)\s+\[1\] (\d+)", text)  # Adam's run
    # qplot, plot(model), filters, the layer times, SGD against Adam, conv1's maps of an image
    assert len(list(tmp_path.glob("rpudl_files/figure-*/*.png"))) == 8
    # the layer times; frozen convolutions are not run backward, and stay as they were
    assert re.search(r"Timing LeNet: 20 iterations of batch 64 on (cpu|cuda)\.", text)
    assert "conv1 backward: not run" in text and "conv2 backward: not run" in text
    assert re.search(r'identical\(rpudlGetLayerWeights\(tuned, "conv2"\), .*\)\s+\[1\] TRUE', text)
    # Caffe's files: the .caffemodel predicts alike, the snapshot resumes to the same costs
    assert re.search(r"identical\(predict\(again, obj\$x\), res\)\s+\[1\] TRUE", text)
    assert "rpudl deploy net LeNet: 431080 parameters" in text  # the deploy net predicts alike
    assert re.search(r"dim\(features\)\s+\[1\]\s+\d+ 500", text)
    assert re.search(
        r"identical\(predict\(deployed, rpudlNetInput\(model, obj\$x\)\), res\)\s+\[1\] TRUE", text
    )
    assert re.search(r"identical\(resumed\$cost\.log, twenty\$cost\.log\)\s+\[1\] TRUE", text)
    # a leaky ReLU written as a Python layer trains as Caffe's ReLU with negative_slope does
    assert re.search(r"identical\(python\$cost\.log, leaky\$cost\.log\)\s+\[1\] TRUE", text)


def test_the_installed_rpud_lists_its_built_vignettes(tmp_path):
    result = run_clean(
        ["Rscript", "-e", 'v <- vignette(package = "rpud")$results; cat(v[, "Item"], file.exists(file.path('
         'system.file("doc", package = "rpud"), paste0(v[, "Item"], ".html"))))'], tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["darch", "rpudl", "TRUE", "TRUE"]
