"""Files written whole or not at all (model files, mean files, .caffemodel and .solverstate)."""

import pytest

from pyrpudl.files import atomic_file


def test_a_write_that_fails_leaves_the_earlier_file_and_no_remains(tmp_path):
    path = tmp_path / "model.caffemodel"
    path.write_bytes(b"earlier")
    with pytest.raises(KeyboardInterrupt):
        with atomic_file(path) as out:
            out.write(b"half")
            raise KeyboardInterrupt  # Ctrl-C in the middle of a save
    assert path.read_bytes() == b"earlier" and [p.name for p in tmp_path.iterdir()] == ["model.caffemodel"]
    with atomic_file(path) as out:
        out.write(b"whole")
    assert path.read_bytes() == b"whole" and len(list(tmp_path.iterdir())) == 1
