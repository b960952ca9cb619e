"""Downloads of public data sets: verified, atomic, with progress; archives extracted safely.

A file is downloaded to a temporary name beside its destination and renamed only once its size
and MD5 match, so an interrupted or corrupted download never leaves a file that looks complete.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pyrpudl.errors import PyrpudlError
from pyrpudl.progress import Report, make_reporter

CHUNK = 1 << 20


class DownloadError(PyrpudlError):
    """A data file could not be downloaded or failed its check; nothing was left behind."""

    r_class = "rpud_download_error"


@dataclass(frozen=True)
class Remote:
    """A file to download: where from (mirrors, tried in order), and what it must be."""

    name: str
    urls: tuple[str, ...]
    md5: str | None = None
    size: int | None = None


CIFAR10 = Remote(
    "cifar-10-binary.tar.gz",
    ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",),
    md5="c32a1d4ab5d03f1284b67883e8d87530",
    size=170_052_171,
)
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
MNIST = tuple(
    Remote(name, tuple(mirror + name for mirror in MNIST_MIRRORS), md5=md5)
    for name, md5 in (
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    )
)


def _fetch(url: str, target: Path, remote: Remote, report: Report) -> None:
    """Stream ``url`` into ``target``, reporting every 10%; check size and MD5."""
    digest, received, next_report = hashlib.md5(), 0, 0.1
    with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
        total = remote.size or int(response.headers.get("Content-Length") or 0) or None
        while chunk := response.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            if total and received / total >= next_report:
                report(
                    f"  {remote.name}: {received / 1e6:.1f} of {total / 1e6:.1f} MB ({received / total:.0%})"
                )
                next_report += 0.1
    if remote.size is not None and received != remote.size:
        raise DownloadError(f"{url} sent {received} bytes, but {remote.name} has {remote.size}")
    if remote.md5 is not None and digest.hexdigest() != remote.md5:
        raise DownloadError(f"{url}: MD5 {digest.hexdigest()} does not match {remote.name}'s {remote.md5}")


def download(remote: Remote, folder: Path, report: Report | None = None) -> Path:
    """Download ``remote`` into ``folder`` (trying each mirror); return its path.

    Raises
    ------
    DownloadError
        When no mirror delivers a file that passes the checks; the message names the URLs
        tried and where to put the file by hand.
    """
    report = make_reporter(report)
    folder.mkdir(parents=True, exist_ok=True)
    destination = folder / remote.name
    failures = []
    for url in remote.urls:
        report(f"downloading {url}")
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{remote.name}.", suffix=".part")
        os.close(handle)
        try:
            _fetch(url, Path(temporary), remote, report)
            os.replace(temporary, destination)
            return destination
        except (OSError, urllib.error.URLError, DownloadError) as exc:
            failures.append(f"{url} ({getattr(exc, 'reason', exc)})")
        finally:
            Path(temporary).unlink(missing_ok=True)
    raise DownloadError(
        f"could not download {remote.name}: tried {'; '.join(failures)}. If this machine is offline, "
        f"download it elsewhere and put it in {folder}."
    )


def extract_tar(archive: Path, folder: Path) -> None:
    """Extract ``archive`` into ``folder``, refusing it whole if any member would land outside.

    Members go to a temporary folder first and are moved into place only when all of them were
    extracted, so a refused or broken archive changes nothing in ``folder``.
    """
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".extract-"))
    try:
        try:
            with tarfile.open(archive) as tar:
                members = tar.getmembers()
                for member in members:  # check every member before writing any
                    try:
                        tarfile.data_filter(member, str(staging))
                    except tarfile.FilterError as exc:
                        raise DownloadError(
                            f"{archive}: refused, member {member.name!r} is unsafe ({exc})"
                        ) from None
                tar.extractall(staging, members=members, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise DownloadError(f"{archive}: not a readable tar archive ({exc})") from None
        for entry in staging.iterdir():
            target = folder / entry.name
            if target.exists():
                shutil.rmtree(target) if target.is_dir() else target.unlink()
            entry.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
