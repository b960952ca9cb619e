"""Generated CUDA kernel source in files (kernels/cuda/source_files.py): Numba's disk cache keys a
kernel by its source file's path, modification time and size, so a file must be written once and
never touched again. Nothing here needs CUDA."""

import os

import pytest

from pyrpudl.kernels.cuda import source_files

SOURCE = "SCALE = 3\n\ndef triple(x):\n    return SCALE * x\n"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PYRPUDL_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(source_files, "_modules", {})
    return tmp_path / source_files.FOLDER


def test_the_source_is_imported_from_a_file_in_the_cache(cache_dir):
    module = source_files.module_from_source("triple", SOURCE)
    assert module.triple(2) == 6
    path = module.triple.__code__.co_filename  # where Numba's cache locator looks
    assert os.path.dirname(path) == str(cache_dir)
    assert os.path.basename(path).startswith("triple_")
    with open(path) as written:
        assert written.read() == SOURCE


def test_a_later_process_finds_the_file_untouched(cache_dir, monkeypatch):
    path = source_files.source_path("triple", SOURCE)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # a rewrite would show as a new time
    monkeypatch.setattr(source_files, "_modules", {})  # as in a fresh process
    module = source_files.module_from_source("triple", SOURCE)
    assert module.triple.__code__.co_filename == str(path)
    assert os.stat(path).st_mtime_ns == 1_000_000_000
    assert sorted(p.name for p in cache_dir.iterdir() if p.suffix != ".tmp") == [path.name]


def test_changed_source_gets_its_own_file(cache_dir):
    first = source_files.module_from_source("triple", SOURCE)
    second = source_files.module_from_source("triple", SOURCE.replace("3", "4"))
    assert (first.triple(1), second.triple(1)) == (3, 4)
    assert first.triple.__code__.co_filename != second.triple.__code__.co_filename


def test_an_unwritable_cache_falls_back_to_a_temporary_folder(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PYRPUDL_CACHE_DIR", str(blocker))  # mkdir below a file fails, even as root
    monkeypatch.setattr(source_files, "_modules", {})
    module = source_files.module_from_source("triple", SOURCE)
    assert module.triple(5) == 15
    assert not module.triple.__code__.co_filename.startswith(str(blocker))


def test_the_default_place_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("PYRPUDL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert source_files.cache_root() == tmp_path / "pyrpudl" / source_files.FOLDER
