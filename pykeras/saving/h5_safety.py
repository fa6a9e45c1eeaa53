"""Opening HDF5 files and reading them without trusting their contents.

Every group, dataset and attribute pykeras reads from an HDF5 file goes through
these functions, which check what they find before anything is built from it:

- links: HDF5 can link to other files (external links, external or virtual
  datasets), so a crafted weights file could make a loader read something else
  on disk; only hard links inside the file are followed.
- sizes: a dataset can declare far more data than it stores (a "shape bomb");
  callers compare a dataset's shape with the weight it is meant for before
  reading it, and datasets that declare much more than they store are refused.
- types: weights must be plain numbers, name lists must be lists of UTF-8
  strings, config attributes strings.
- damage: h5py reports a corrupt file's metadata as KeyError, RuntimeError,
  OSError and others, mid-read; these are turned into a `FileFormatError`
  naming the file and what was being read.

Before h5py sees a file at all, `hdf5_check` looks for the damaged structures
the HDF5 library itself cannot survive (on some it loops forever, allocates
without bound, or corrupts its own memory).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from collections.abc import Iterator
from typing import Any

import h5py
import numpy as np

from pykeras.errors import FileFormatError
from pykeras.saving import hdf5_check

# Datasets over this many bytes must store at least 1/_MAX_EXPANSION of them.
_BOMB_FLOOR_BYTES = 1 << 32
_MAX_EXPANSION = 1000
# What h5py raises when the HDF5 library fails on damaged metadata ("Unable to
# synchronously open object (bad object header version number)" is a KeyError).
_H5PY_ERRORS = (KeyError, RuntimeError, OSError, ValueError, TypeError, IndexError, OverflowError)
# Dataset element kinds a weight may have: bool, signed and unsigned ints, floats.
_NUMERIC_KINDS = "biuf"


@contextlib.contextmanager
def h5py_errors(filepath: str | os.PathLike[str] | None, what: str) -> Iterator[None]:
    """Runs h5py calls; an error they raise (the library failing on damaged
    metadata) becomes a `FileFormatError` that names `filepath` and `what`."""
    try:
        yield
    except FileFormatError:
        raise
    except _H5PY_ERRORS as e:
        raise FileFormatError(
            f"'{filepath}' is truncated or corrupt: HDF5 cannot read {what} ({e})."
        ) from e


def open_h5(filepath: str | os.PathLike, data: bytes | None = None) -> h5py.File:
    """The HDF5 file at `filepath` (or in the bytes `data`, named `filepath`), read-only.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: the file is not HDF5, or is damaged (see `hdf5_check`).
    """
    filepath = os.fspath(filepath)
    hdf5_check.check(filepath if data is None else data, filepath)
    try:
        return h5py.File(filepath if data is None else io.BytesIO(data), "r")
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except _H5PY_ERRORS as e:
        raise FileFormatError(
            f"'{filepath}' is not a readable HDF5 file (truncated, corrupt or another format): {e}"
        ) from e


def _check_name(name: str | None, filepath: str | os.PathLike[str] | None, where: Any) -> None:
    if not isinstance(name, str) or not name:
        raise FileFormatError(
            f"'{filepath}' names an HDF5 object with an empty or non-string name at {where}. "
            f"Received: {name!r:.100}"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as e:
        raise FileFormatError(
            f"'{filepath}' names an HDF5 object with an invalid UTF-8 name at {where}. "
            f"Received: {name!r:.100}"
        ) from e


def has(group: h5py.Group, path: str, filepath: str | os.PathLike[str] | None) -> bool:
    """Whether `path` exists below `group` (links out of the file count as absent)."""
    _check_name(path, filepath, group.name)
    with h5py_errors(filepath, f"'{path}' in '{group.name}'"):
        return path in group


def _check_link(parent: Any, name: str | None, filepath: str | os.PathLike[str] | None) -> None:
    with h5py_errors(filepath, f"the link '{name}' in '{parent.name}'"):
        kind = parent.get(name, default=None, getclass=True, getlink=True)
    if kind in (h5py.ExternalLink, h5py.SoftLink):
        raise FileFormatError(
            f"'{filepath}' is not allowed to link out of its own objects: '{name}' in "
            f"'{parent.name}' is an HDF5 {kind.__name__}."
        )


def _child(parent: Any, part: Any, path: str, filepath: str | os.PathLike[str] | None) -> Any:
    _check_name(part, filepath, parent.name)
    with h5py_errors(filepath, f"'{part}' in '{parent.name}'"):
        present = part in parent
    if not present:
        raise FileFormatError(
            f"'{filepath}' has no '{part}' in '{parent.name}' (looking for '{path}'): the "
            "file is incomplete or not the expected layout."
        )
    _check_link(parent, part, filepath)
    with h5py_errors(filepath, f"'{part}' in '{parent.name}'"):
        return parent[part]


def group_at(parent: h5py.Group, path: str, filepath: str | os.PathLike[str] | None) -> h5py.Group:
    """The group at `path` below `parent`.

    Raises:
        FileFormatError: no such group, a link, or not a group.
    """
    _check_name(path, filepath, parent.name)
    current = parent
    for part in path.split("/"):
        if not part:
            raise FileFormatError(
                f"'{filepath}' refers to an invalid HDF5 path below '{parent.name}'. "
                f"Received: '{path}'"
            )
        current = _child(current, part, path, filepath)
        if not isinstance(current, h5py.Group):
            raise FileFormatError(
                f"'{filepath}' should hold an HDF5 group at '{current.name}', but holds a "
                f"{type(current).__name__}."
            )
    return current


def dataset_at(
    group: h5py.Group, name: str, filepath: str | os.PathLike[str] | None
) -> h5py.Dataset:
    """The dataset `name` of `group`, checked but not read.

    Raises:
        FileFormatError: no such dataset, a link, an external or virtual
            dataset, one declaring far more data than it stores, or one whose
            elements are not plain numbers.
    """
    _check_name(name, filepath, group.name)
    if "/" in name:
        parent, name = name.rsplit("/", 1)
        group = group_at(group, parent, filepath)
    dataset = _child(group, name, name, filepath)
    if not isinstance(dataset, h5py.Dataset):
        raise FileFormatError(
            f"'{filepath}' should hold an HDF5 dataset at '{dataset.name}', but holds a "
            f"{type(dataset).__name__}."
        )
    where = dataset.name
    with h5py_errors(filepath, f"the dataset '{where}'"):
        external, virtual = dataset.external, dataset.is_virtual
        shape, dtype = dataset.shape, dataset.dtype
        stored = dataset.id.get_storage_size()
    if external or virtual:
        kind = "an external" if external else "a virtual"
        raise FileFormatError(
            f"'{filepath}' is not allowed to keep data outside itself: '{where}' is {kind} "
            "HDF5 dataset."
        )
    if dtype.kind not in _NUMERIC_KINDS or dtype.shape or dtype.fields:
        raise FileFormatError(
            f"'{filepath}' should hold numbers in the dataset '{where}'. Received: dtype={dtype}"
        )
    declared = math.prod(shape or ()) * dtype.itemsize
    if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
        raise FileFormatError(
            f"'{filepath}' holds a dataset '{where}' that declares {declared} bytes but stores "
            f"only {stored}: not allowed. Received: shape={shape}"
        )
    return dataset


def shape_of(dataset: h5py.Dataset, filepath: str | os.PathLike[str] | None) -> tuple:
    """The dataset's shape, `()` for a scalar."""
    with h5py_errors(filepath, f"the shape of '{dataset.name}'"):
        return tuple(dataset.shape or ())


def read_array(dataset: h5py.Dataset, filepath: str | os.PathLike[str] | None) -> np.ndarray:
    """The values of a dataset from `dataset_at` (check its shape first: this reads it all)."""
    with h5py_errors(filepath, f"the dataset '{dataset.name}'"):
        return np.asarray(dataset[()])


def read_attr_list(
    obj: h5py.HLObject, name: str, filepath: str | os.PathLike[str] | None
) -> list[str]:
    """A list attribute (`layer_names`, `weight_names`) as str, joining the chunks
    (`name0`, `name1`, ...) Keras splits big ones into; `[]` if absent.

    Raises:
        FileFormatError: the attribute is not a 1-D list of UTF-8 strings.
    """
    where = f"the attribute '{name}' of '{obj.name}'"
    with h5py_errors(filepath, where):
        if name in obj.attrs:
            chunks = [obj.attrs[name]]
        else:
            chunks, count = [], 0
            while f"{name}{count}" in obj.attrs:
                chunks.append(obj.attrs[f"{name}{count}"])
                count += 1
    values: list[str] = []
    for chunk in chunks:
        array = np.asarray(chunk)
        if array.size == 0:
            continue  # Keras writes an empty list as an empty float array
        if array.ndim != 1 or array.dtype.kind not in "SUO":
            raise FileFormatError(
                f"'{filepath}' should hold a list of names in {where}. "
                f"Received: {array.dtype} array of shape {array.shape}"
            )
        values.extend(_text(v, filepath, where) for v in array)
    return values


def read_attr_str(
    obj: h5py.HLObject, name: str, filepath: str | os.PathLike[str] | None
) -> str | None:
    """A string attribute (bytes or str in the file), or None if absent.

    Raises:
        FileFormatError: the attribute is not a UTF-8 string.
    """
    where = f"the attribute '{name}' of '{obj.name}'"
    with h5py_errors(filepath, where):
        present = name in obj.attrs
        value = obj.attrs[name] if present else None
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return _text(value, filepath, where)


def _text(value: Any, filepath: str | os.PathLike[str] | None, where: Any) -> Any:
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as e:
            raise FileFormatError(
                f"'{filepath}' should hold UTF-8 text in {where}. Received: {bytes(value)!r:.80}"
            ) from e
    if isinstance(value, str):
        return str(value)
    raise FileFormatError(
        f"'{filepath}' should hold text in {where}. Received: {type(value).__name__} {value!r:.80}"
    )


def member_count(group: h5py.Group, filepath: str | os.PathLike[str] | None) -> int:
    """How many links `group` holds."""
    with h5py_errors(filepath, f"the members of '{group.name}'"):
        return len(group)


def member_names(group: h5py.Group, filepath: str | os.PathLike[str] | None) -> list[str]:
    """The names of the links `group` holds."""
    with h5py_errors(filepath, f"the members of '{group.name}'"):
        return list(group.keys())


def stored_values(group: h5py.Group, filepath: str | os.PathLike[str] | None) -> int:
    """How many values the datasets below `group` hold, counting each dataset at most
    `_MAX_EXPANSION` times what it stores (so a shape bomb adds nothing): the most
    weights a model loaded from this file can need.

    Raises:
        FileFormatError: the file's structure cannot be walked.
    """
    total = 0

    def add(_: Any, obj: Any) -> None:
        nonlocal total
        if isinstance(obj, h5py.Dataset) and not obj.external and not obj.is_virtual:
            itemsize = max(obj.dtype.itemsize, 1)
            stored = obj.id.get_storage_size() * _MAX_EXPANSION // itemsize
            total += min(math.prod(obj.shape or ()), stored)

    with h5py_errors(filepath, f"the datasets below '{group.name}'"):
        group.visititems(add)
    return total
