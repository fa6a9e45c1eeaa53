"""The `assets/` folder of a `.keras` archive: files that layers write with
`save_assets(dir_path)` and read back with `load_assets(dir_path)`.

As Keras 3 lays it out: each object with state gets the folder of its path
(`assets/layers/text_vectorization/...`, `assets/` itself for the model), the
files it wrote there are stored in the archive, and folders left empty are not.
On load, Keras calls `load_assets` only when the archive holds more than its
three fixed members, with the object's folder, or None when the object stored
nothing.

Only files are ever extracted, each checked to stay inside the folder it
belongs to and within a size bound, so a hostile archive cannot write
elsewhere or fill the disk.
"""

from __future__ import annotations

import lzma
import os
import posixpath
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from pykeras.errors import FileFormatError
from pykeras.saving import state_paths

ASSETS_DIRNAME = "assets"
# Keras's archives always hold these three; any other member makes it call `load_assets`.
_FIXED_MEMBERS = 3
# All assets of a model together: far beyond any vocabulary or lookup table.
_MAX_ASSET_BYTES = 16 << 30
# What reading a damaged member raises (as in `keras_zip`): bad deflate, bzip2 or
# lzma streams, truncation, unknown methods, encryption, bad headers.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _with_hook(model: Any, hook: str, include_optimizer: bool) -> Iterator[tuple[str, Any]]:
    for path, obj in state_paths.walk(model, include_optimizer):
        if callable(getattr(obj, hook, None)):
            yield path, obj


def save_assets(model: Any, zf: zipfile.ZipFile, include_optimizer: bool = True) -> None:
    """Calls `save_assets(dir_path)` on every object of `model` that defines it and
    stores the files written under `assets/<path>/` in the archive `zf`."""
    objects = list(_with_hook(model, "save_assets", include_optimizer))
    if not objects:
        return
    with tempfile.TemporaryDirectory(prefix="pykeras_assets_") as tmp:
        root = os.path.join(tmp, ASSETS_DIRNAME)
        os.makedirs(root)
        for path, obj in objects:
            folder = os.path.join(root, *path.split("/")) if path else root
            os.makedirs(folder, exist_ok=True)
            obj.save_assets(folder)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                full = os.path.join(dirpath, filename)
                relative = os.path.relpath(full, tmp).replace(os.sep, "/")
                zf.write(full, relative)


def asset_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files under `assets/`."""
    prefix = ASSETS_DIRNAME + "/"
    return [i for i in zf.infolist() if i.filename.startswith(prefix) and not i.is_dir()]


def load_assets(
    model: Any, zf: zipfile.ZipFile, filepath: str, include_optimizer: bool = True
) -> None:
    """Calls `load_assets(dir_path)` on every object of `model` that defines it, as
    Keras 3 does: only when the archive holds more than its three fixed members,
    with the object's extracted folder (None if it stored nothing there)."""
    objects = list(_with_hook(model, "load_assets", include_optimizer))
    if not objects or len(zf.namelist()) <= _FIXED_MEMBERS:
        return
    with tempfile.TemporaryDirectory(prefix="pykeras_assets_") as tmp:
        root = os.path.join(tmp, ASSETS_DIRNAME)
        os.makedirs(root)
        _extract(zf, root, filepath)
        for path, obj in objects:
            folder = os.path.join(root, *path.split("/")) if path else root
            obj.load_assets(folder if os.path.isdir(folder) else None)


def _extract(zf: zipfile.ZipFile, root: str, filepath: str) -> None:
    """Writes the archive's asset files below `root`, refusing names that would land
    outside it and archives whose assets inflate past `_MAX_ASSET_BYTES`."""
    members = asset_members(zf)
    total = sum(info.file_size for info in members)
    if total > _MAX_ASSET_BYTES:
        raise FileFormatError(
            f"Refusing '{filepath}': its assets inflate to {total} bytes (at most "
            f"{_MAX_ASSET_BYTES} expected)."
        )
    for info in members:
        relative = info.filename[len(ASSETS_DIRNAME) + 1 :]
        parts = relative.split("/")
        normalized = posixpath.normpath(relative)
        if (
            "\\" in relative
            or relative.startswith("/")
            or normalized.startswith("..")
            or any(p in ("", ".", "..") for p in parts)
            or ":" in parts[0]
        ):
            raise FileFormatError(
                f"Refusing '{filepath}': its asset '{info.filename}' would be written outside "
                "the assets folder."
            )
        target = os.path.join(root, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            try:
                with zf.open(info) as source:
                    # Reads are bounded: a member inflating past its recorded size fails
                    # zipfile's CRC/size checks rather than filling the disk.
                    shutil.copyfileobj(source, out)
            except _READ_ERRORS as e:
                raise FileFormatError(
                    f"'{filepath}' is truncated or corrupt: cannot read its asset "
                    f"'{info.filename}' ({e})."
                ) from e
