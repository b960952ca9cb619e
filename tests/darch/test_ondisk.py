"""ff = TRUE: weights in memory-mapped files train exactly as in memory, and a failed epoch still
leaves the last good weights in the files."""

import numpy as np

from pyrpudl import darch as dn
from pyrpudl.darch.ondisk import is_on_disk

QUIET = dn.DarchLog.make(False)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
Y = np.array([[0], [1], [1], [0]], float)


def both(tmp_path, sizes=(2, 4, 3, 1)):
    on_disk = dn.new_darch(list(sizes), batch_size=2, seed=4, log=QUIET, ff_dir=tmp_path / "ff")
    in_memory = dn.new_darch(list(sizes), batch_size=2, seed=4, log=QUIET)
    return on_disk, in_memory


def test_training_on_disk_equals_training_in_memory(tmp_path):
    on_disk, in_memory = both(tmp_path)
    assert on_disk.on_disk and not in_memory.on_disk
    assert is_on_disk(on_disk.rbms[1].weights)  # a view of layer 2's file
    results = []
    for d in (on_disk, in_memory):
        d = dn.pretrain(d, X, 6, log=QUIET).darch.with_units("sigmoidUnitDerivative")
        d.fine_tune_function = "rpropagation"
        results.append(dn.fine_tune(d, X, Y, 5, log=QUIET).darch)
    for a, b in zip(results[0].layers, results[1].layers, strict=True):
        np.testing.assert_array_equal(np.asarray(a.weights), b.weights)
    np.testing.assert_array_equal(np.load(tmp_path / "ff" / "layer3.npy"), results[1].layers[2].weights)
    assert (tmp_path / "ff" / "outputs1.npy").is_file()  # RBM 1's outputs, which RBM 2 learned from
    # the network given was trained in place: copies share the files
    np.testing.assert_array_equal(np.asarray(on_disk.layers[0].weights), results[0].layers[0].weights)


def test_a_failed_epoch_restores_the_files(tmp_path):
    on_disk, _ = both(tmp_path, (2, 3, 1))
    on_disk = on_disk.with_units("linearUnitDerivative")
    good = dn.fine_tune(on_disk, X, Y * 1e3, 2, is_class=False, log=QUIET).darch
    before = np.array(good.layers[0].weights)
    good.learn_rate_weights = good.learn_rate_biases = 1e30  # diverges at once
    outcome = dn.fine_tune(good, X, Y * 1e3, 5, is_class=False, log=QUIET)
    assert outcome.stopped == "not finite" and outcome.epochs_done == 0
    np.testing.assert_array_equal(np.load(tmp_path / "ff" / "layer1.npy"), before)
