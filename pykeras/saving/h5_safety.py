"""Opening HDF5 files and reaching into them without trusting their contents.

HDF5 can link to other files (external links, external or virtual datasets),
so a crafted weights file could make a loader read something else on disk;
it can also declare a huge dataset that stores almost nothing (a "shape
bomb"). Every group and dataset pykeras reads goes through these checks, and
every failure names the file.
"""

import math
import os

import h5py

# Datasets over this many bytes must store at least 1/_MAX_EXPANSION of them.
_BOMB_FLOOR_BYTES = 1 << 32
_MAX_EXPANSION = 1000


def open_h5(filepath, mode="r"):
    """`h5py.File(filepath, mode)`, with unreadable files reported as `ValueError`s
    that name the file (h5py's own messages do not always say which file)."""
    try:
        return h5py.File(filepath, mode)
    except FileNotFoundError:
        raise
    except OSError as e:
        raise ValueError(
            f"'{os.fspath(filepath)}' is not a readable HDF5 file (truncated, corrupt or another "
            f"format): {e}"
        ) from e


def _check_link(parent, name):
    kind = parent.get(name, default=None, getclass=True, getlink=True)
    if kind in (h5py.ExternalLink, h5py.SoftLink):
        raise ValueError(f"Not allowed: an HDF5 {kind.__name__} at '{name}'.")


def safe_group(parent, path):
    """The group at `path` below `parent`, refusing links out of the file."""
    current = parent
    for part in path.split("/"):
        if not part:
            raise ValueError(f"Invalid path in HDF5 file: '{path}'")
        if part not in current:
            raise KeyError(path)
        _check_link(current, part)
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(f"Expected an HDF5 group at '{path}', found {type(current).__name__}.")
    return current


def safe_dataset(group, name):
    """The dataset `name` of `group`, refusing links, external and virtual
    datasets, and datasets that declare far more data than they store."""
    if "/" in name:
        parent, name = name.rsplit("/", 1)
        group = safe_group(group, parent)
    if name not in group:
        raise KeyError(name)
    _check_link(group, name)
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Expected an HDF5 dataset at '{name}', found {type(dataset).__name__}.")
    if dataset.external:
        raise ValueError(f"Not allowed: an external HDF5 dataset at '{name}'.")
    if dataset.is_virtual:
        raise ValueError(f"Not allowed: a virtual HDF5 dataset at '{name}'.")
    declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
        raise ValueError(
            f"Not allowed: HDF5 dataset '{name}' declares {declared} bytes but stores only "
            f"{stored}."
        )
    return dataset


def read_attr_list(group, name):
    """A list attribute (`layer_names`, `weight_names`) as str, joining the
    chunks (`name0`, `name1`, ...) Keras splits big ones into."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [v.decode("utf8") if hasattr(v, "decode") else str(v) for v in values]


def read_attr_str(group, name):
    """A string attribute (bytes or str in the file), or None."""
    value = group.attrs.get(name)
    if value is None:
        return None
    if hasattr(value, "decode"):
        value = value.decode("utf8")
    return str(value)
