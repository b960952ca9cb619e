"""Downloads against a local HTTP server on loopback serving files the tests wrote."""

import hashlib
import http.server
import io
import tarfile
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from pyrpudl.data import cifar, create_data_source
from pyrpudl.data.downloads import DownloadError, Remote, download, extract_tar
from pyrpudl.data.source import IDX_FILES
from tests.data.files import write_cifar_set, write_idx_set


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """(folder served, base URL) of an HTTP server on 127.0.0.1, stopped after the test."""
    folder = tmp_path / "served"
    folder.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def remote_for(path: Path, base: str, **overrides) -> Remote:
    data = path.read_bytes()
    fields = {"md5": hashlib.md5(data).hexdigest(), "size": len(data)} | overrides
    return Remote(path.name, (base + path.name,), **fields)


def make_cifar_archive(folder: Path, work: Path) -> tuple[Path, np.ndarray]:
    train, _ = write_cifar_set(work / cifar.ARCHIVE_FOLDER)
    archive = folder / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(work / cifar.ARCHIVE_FOLDER, arcname=cifar.ARCHIVE_FOLDER)
    return archive, train


def test_cifar10_is_downloaded_checked_extracted_and_read(server, tmp_path):
    folder, base = server
    archive, train = make_cifar_archive(folder, tmp_path / "work")
    lines = []
    source = create_data_source(
        "cifar10", tmp_path / "data", remotes=(remote_for(archive, base),), report=lines.append
    )
    np.testing.assert_array_equal(source.train_labels, train[:, 0])
    assert lines[0] == f"downloading {base}cifar-10-binary.tar.gz"
    assert any("(100%)" in line for line in lines)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [cifar.ARCHIVE_FOLDER]
    # a second call finds the files and needs no server
    again = create_data_source(
        "cifar10", tmp_path / "data", remotes=(Remote("x", ("http://127.0.0.1:9/x",)),)
    )
    assert len(again.train_images) == len(train)


def test_a_corrupted_download_is_refused_and_leaves_nothing(server, tmp_path):
    folder, base = server
    archive, _ = make_cifar_archive(folder, tmp_path / "work")
    remote = remote_for(archive, base, md5="0" * 32)
    with pytest.raises(DownloadError, match="MD5 .* does not match"):
        create_data_source("cifar10", tmp_path / "data", remotes=(remote,), report=False)
    assert list((tmp_path / "data").iterdir()) == []


def test_an_unreachable_mirror_is_named_with_where_to_put_the_file(server, tmp_path):
    folder, base = server
    remote = Remote("missing.gz", (base + "missing.gz", "http://127.0.0.1:9/missing.gz"))
    with pytest.raises(
        DownloadError, match=r"tried .*missing.gz \(File not found\); http://127.0.0.1:9/.*put it in"
    ):
        download(remote, tmp_path / "data", report=False)
    assert list((tmp_path / "data").iterdir()) == []


def test_mnist_files_are_fetched_from_a_mirror(server, tmp_path):
    folder, base = server
    written = write_idx_set(folder, gz=True)
    remotes = tuple(remote_for(folder / f"{stem}.gz", base) for stem in IDX_FILES.values())
    source = create_data_source("mnist", tmp_path / "mnist", remotes=remotes, report=False)
    np.testing.assert_array_equal(source.test_labels, written["test_labels"])


def test_an_archive_with_a_member_escaping_the_folder_is_refused_whole(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("good.txt", "../escaped.txt"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(DownloadError, match=r"refused, member '../escaped.txt' is unsafe"):
        extract_tar(archive, target)
    assert list(target.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()
