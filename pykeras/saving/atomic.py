"""Atomic file writes: a crash or an error mid-save never leaves a half-written file.

The data goes to a temporary file in the destination's directory (so the
final rename stays on one filesystem, where `os.replace` is atomic); only a
complete file replaces the destination.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


def check_overwrite(filepath: str | os.PathLike[str], overwrite: bool) -> bool:
    """With `overwrite=False` and an existing file: ask on a terminal (as Keras
    does), else refuse. Returns whether to go on."""
    if overwrite or not os.path.exists(filepath):
        return True
    if sys.stdin is not None and sys.stdin.isatty():
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
        return answer in ("y", "yes")
    raise FileExistsError(
        f"'{filepath}' already exists and `overwrite=False`. Pass `overwrite=True` to replace it."
    )


@contextlib.contextmanager
def atomic_path(filepath: str | os.PathLike[str]) -> Iterator[str]:
    """Yields a temporary path next to `filepath`; on success renames it to `filepath`.

    Example:

    >>> with atomic_path("data.bin") as tmp:
    ...     with open(tmp, "wb") as f:
    ...         _ = f.write(b"complete")
    >>> open("data.bin", "rb").read()
    b'complete'
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp"
    )
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if os.path.exists(filepath):
            # mkstemp creates 0600 files; keep the permissions the file had.
            os.chmod(tmp, os.stat(filepath).st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
