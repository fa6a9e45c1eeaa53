"""`get_file`: download a file once into the Keras cache, check its hash, extract archives.

Same signature, cache layout (`~/.keras/datasets`, `$KERAS_HOME`) and file names as
`keras.utils.get_file`, so a cache filled by Keras is reused by pykeras and the other
way round. Where Keras is lax, pykeras is strict:

- a download goes to a hidden temporary file beside its target and is renamed into
  place only once complete and hash-checked, so the cache never holds a partial file;
- a failed download raises an `OSError` that names the URL;
- archives are checked before anything is written: a member with an absolute path,
  a `..` component, a link leaving the extraction folder or a device node is refused
  with a `ValueError` (Keras skips such members with a warning);
- extraction goes to a temporary folder renamed into place when complete.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any, NoReturn

_CHUNK = 1 << 20
_TIMEOUT_SECONDS = 60


def keras_home() -> str:
    """The Keras cache root: `$KERAS_HOME` if set, else `~/.keras`.

    Read at call time (Keras reads it at import), so setting the variable later works.
    """
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    if not os.access(home, os.W_OK):
        home = tempfile.gettempdir()
    return os.path.join(home, ".keras")


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str = "auto",
    cache_dir: str | None = None,
    force_download: bool = False,
) -> str:
    """Downloads a file from a URL if it is not already in the cache.

    The file at `origin` is saved as `cache_dir/cache_subdir/fname`, by default
    `~/.keras/datasets/fname`. A cached file is used as it is, unless `file_hash` is given
    and does not match, in which case it is downloaded again.

    Args:
        fname: Name of the file in the cache. If `None`, the last part of the URL.
            With `extract=True`, a name without an extension is the extraction folder
            (the archive is kept as `fname + "_archive"`); a name with an extension is the
            archive (extracted to `<name before the first dot>_extracted`).
        origin: URL of the file (`https://`, `http://`, `ftp://` or `file://`).
        untar: Deprecated, use `extract`. Whether the file is a tar archive to extract.
        md5_hash: Deprecated, use `file_hash`. MD5 hash of the file.
        file_hash: Expected hash of the file, SHA-256 (64 hex digits) or MD5 (32).
        cache_subdir: Folder under the cache dir; an absolute path is used as it is.
        hash_algorithm: `"auto"`, `"sha256"` or `"md5"`. `"auto"` picks SHA-256 for a
            64-character hash and MD5 otherwise.
        extract: Whether to extract a tar (`.tar`, `.tar.gz`, `.tar.bz2`, ...) or zip
            archive.
        archive_format: `"auto"` (tar, then zip), `"tar"`, `"zip"`, a list of these, or
            `None` for no extraction.
        cache_dir: Cache root. Defaults to `$KERAS_HOME` if set, else `~/.keras`; if it is
            not writable, `<tmp>/.keras`.
        force_download: Download even if the file is already cached.

    Returns:
        The path of the downloaded file, or of the extraction folder with `extract=True`.

    Raises:
        OSError: The download failed (the message names the URL).
        ValueError: The hash of the downloaded file did not match `file_hash`, or an
            archive was not a valid archive or had an unsafe member.

    Example:

    ```python
    path = keras.utils.get_file(
        "mnist.npz",
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    )
    ```
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    if file_hash is not None:
        file_hash = str(file_hash).lower()
    _resolve_hasher(hash_algorithm, file_hash)  # reject an unknown algorithm up front

    fname = os.fspath(fname) if fname is not None else None
    provided_fname = bool(fname)
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'. "
                "Please specify the `fname` argument."
            )
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "Paths are not accepted as the `fname` argument. To choose the file's parent "
            f"folder, use the `cache_dir` argument. Received: fname={fname}"
        )

    datadir = _writable_datadir(os.path.expanduser(cache_dir or keras_home()), cache_subdir)

    extraction_dir = None
    if extract or untar:
        if provided_fname and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[: fname.find('.')]}_extracted")
        else:
            download_target = os.path.join(datadir, f"{fname}_archive")
            extraction_dir = os.path.join(datadir, fname)
    else:
        download_target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(download_target)
    if not download and file_hash is not None:
        if not validate_file(download_target, file_hash, algorithm=hash_algorithm):
            print(
                f"A local file was found at {download_target}, but its "
                f"{_algorithm_name(hash_algorithm, file_hash)} hash does not match the "
                f"expected value {file_hash}, so it will be downloaded again."
            )
            download = True
    if download:
        _download(origin, download_target, file_hash, hash_algorithm)

    if extraction_dir is None:
        return download_target
    if download or not os.path.isdir(extraction_dir):
        extract_archive(download_target, extraction_dir, "tar" if untar else archive_format)
    return extraction_dir


def _writable_datadir(base: Any, cache_subdir: str) -> Any:
    datadir = os.path.join(base, cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
        if os.access(datadir, os.W_OK):
            return datadir
    except OSError:
        pass
    # Keras's fallback for a read-only home or cache dir.
    datadir = os.path.join(tempfile.gettempdir(), ".keras", cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _download(origin: str, target: str, file_hash: str | None, hash_algorithm: str) -> None:
    print(f"Downloading data from {origin}")
    hasher = _resolve_hasher(hash_algorithm, file_hash)
    fd, part = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".part", dir=os.path.dirname(target)
    )
    try:
        with os.fdopen(fd, "wb") as out:
            received, expected = _stream(origin, out, hasher)
        if expected is not None and received != expected:
            raise OSError(
                f"URL fetch failure on {origin}: the download stopped after {received} of "
                f"{expected} bytes."
            )
        if file_hash is not None and hasher.hexdigest() != file_hash:
            raise ValueError(
                f"Incomplete or corrupted file downloaded from {origin}: its "
                f"{_algorithm_name(hash_algorithm, file_hash)} hash is {hasher.hexdigest()}, "
                f"expected {file_hash}. Nothing was saved to {target}."
            )
        os.replace(part, target)
    except BaseException:
        # Also on KeyboardInterrupt: the cache must never keep a partial file.
        if os.path.exists(part):
            os.remove(part)
        raise


def _stream(origin: str, out: Any, hasher: Any) -> Any:
    """Copies `origin` into the open file `out`; returns (bytes received, bytes announced)."""
    try:
        with urllib.request.urlopen(origin, timeout=_TIMEOUT_SECONDS) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            progress = _Progress(expected)
            received = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                progress.update(received)
            progress.done()
            return received, expected
    except urllib.error.HTTPError as e:
        raise OSError(f"URL fetch failure on {origin}: HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise OSError(
            f"URL fetch failure on {origin}: {e.reason}. Check the network connection, or "
            "download the file yourself and pass its local path."
        ) from e
    except (OSError, ValueError) as e:
        # Timeouts and resets while reading, or an origin urllib cannot open.
        raise OSError(f"URL fetch failure on {origin}: {e}") from e


class _Progress:
    """A one-line byte counter, shown only on a terminal (logs stay clean)."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.active = sys.stdout.isatty()
        self.last = -1

    def update(self, received: int) -> None:
        if not self.active:
            return
        mb = received / 1e6
        if int(mb) == self.last:
            return
        self.last = int(mb)
        total = f"/{self.total / 1e6:.1f}" if self.total else ""
        sys.stdout.write(f"\r{mb:.1f}{total} MB")
        sys.stdout.flush()

    def done(self) -> None:
        if self.active and self.last >= 0:
            sys.stdout.write("\n")


def _algorithm_name(algorithm: Any, file_hash: str | None) -> Any:
    return _resolve_hasher(algorithm, file_hash).name


def _resolve_hasher(algorithm: Any, file_hash: str | None = None) -> Any:
    if algorithm == "sha256" or (
        algorithm == "auto" and file_hash is not None and len(file_hash) == 64
    ):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(
        "`hash_algorithm` must be one of 'auto', 'sha256' or 'md5'. "
        f"Received: hash_algorithm={algorithm!r}"
    )


def hash_file(
    fpath: str | os.PathLike[str], algorithm: Any = "sha256", chunk_size: int = 65535
) -> str:
    """Computes the SHA-256 or MD5 hash of a file.

    Args:
        fpath: Path of the file.
        algorithm: `"sha256"`, `"md5"` or `"auto"` (SHA-256), or a `hashlib` hasher.
        chunk_size: Bytes read at a time.

    Returns:
        The hash as a hex string.

    Example:

    >>> _ = open("empty.zip", "wb").close()
    >>> hash_file("empty.zip")
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    if isinstance(algorithm, str):
        hasher = hashlib.sha256() if algorithm == "auto" else _resolve_hasher(algorithm)
    else:
        hasher = algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(
    fpath: str | os.PathLike[str], file_hash: str, algorithm: str = "auto", chunk_size: int = 65535
) -> bool:
    """Checks a file against a SHA-256 or MD5 hash.

    Args:
        fpath: Path of the file.
        file_hash: Expected hash (hex string).
        algorithm: `"auto"` (SHA-256 for a 64-character hash, else MD5), `"sha256"`
            or `"md5"`.
        chunk_size: Bytes read at a time.

    Returns:
        Whether the file's hash equals `file_hash`.
    """
    file_hash = str(file_hash).lower()
    hasher = _resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == file_hash


def extract_archive(
    file_path: str | os.PathLike[str],
    path: str | os.PathLike[str] = ".",
    archive_format: str | Sequence[str] | None = "auto",
) -> bool:
    """Safely extracts a tar or zip archive into the folder `path`.

    Every member is checked before anything is written; the archive is extracted into
    a temporary folder beside `path` that replaces `path` once complete.

    Args:
        file_path: Path of the archive.
        path: Folder to extract into (replaced if it exists).
        archive_format: `"auto"` (tar, then zip), `"tar"`, `"zip"` or a list of these.

    Returns:
        `True` if the archive was extracted, `False` if `archive_format` is `None` or
        empty.

    Raises:
        ValueError: The file is not an archive of the given formats, is corrupt, or has
            an unsafe member (absolute path, `..`, link out of `path`, device node).
    """
    if not archive_format:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    if isinstance(formats, str):
        formats = [formats]
    file_path = os.fspath(file_path)
    path = os.fspath(path)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(
                "`archive_format` must be 'auto', 'tar', 'zip' or a list of these. "
                f"Received: archive_format={archive_format!r}"
            )
        is_kind = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if is_kind(file_path):
            _extract_atomically(file_path, path, kind)
            return True
    raise ValueError(
        f"Could not extract {file_path}: it is not a {' or '.join(formats)} archive. "
        "The file may be corrupted; delete it to download it again."
    )


def _extract_atomically(file_path: Any, path: str, kind: Any) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", dir=parent)
    try:
        try:
            if kind == "tar":
                with tarfile.open(file_path) as archive:
                    members = archive.getmembers()
                    _check_tar_members(members, file_path)
                    kwargs: dict[str, Any] = (
                        {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                    )
                    archive.extractall(staging, members=members, **kwargs)
            else:
                with zipfile.ZipFile(file_path) as archive:
                    _check_zip_members(archive.infolist(), file_path)
                    archive.extractall(staging)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as e:
            if isinstance(e, OSError) and not isinstance(e, _CORRUPT_OS_ERRORS):
                raise
            raise ValueError(
                f"Could not extract {file_path}: the archive is corrupt or truncated ({e}). "
                "Delete it to download it again."
            ) from e
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)


# gzip reports a damaged stream as this OSError subclass; other OSErrors (disk full,
# permissions) are real I/O failures and are raised unchanged.
_CORRUPT_OS_ERRORS = (gzip.BadGzipFile,)


def _unsafe_name(name: str) -> Any:
    """Why a member name could write outside the extraction folder, or None."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or os.path.isabs(name) or os.path.splitdrive(name)[0]:
        return "an absolute path"
    if ".." in normalized.split("/"):
        return "a '..' component"
    return None


def _refuse(file_path: Any, member: Any, reason: Any) -> NoReturn:
    raise ValueError(
        f"Refusing to extract {file_path}: member {member!r} has {reason}, which could "
        "write outside the extraction folder. Nothing was extracted."
    )


def _check_tar_members(members: Any, file_path: Any) -> None:
    for m in members:
        reason = _unsafe_name(m.name)
        if reason:
            _refuse(file_path, m.name, reason)
        if m.issym() or m.islnk():
            # A symlink resolves from its own folder, a hard link from the archive root.
            base = os.path.dirname(m.name) if m.issym() else ""
            target = os.path.normpath(os.path.join(base, m.linkname))
            if _unsafe_name(m.linkname) or target == ".." or target.startswith("../"):
                _refuse(file_path, m.name, f"a link target {m.linkname!r} outside the folder")
        elif not (m.isfile() or m.isdir()):
            _refuse(file_path, m.name, "a special file type (device or fifo)")


def _check_zip_members(infos: Any, file_path: Any) -> None:
    for info in infos:
        reason = _unsafe_name(info.filename)
        if reason:
            _refuse(file_path, info.filename, reason)
