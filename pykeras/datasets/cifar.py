"""Reading the batches of the CIFAR "python version" archives, without running pickles."""

import io
import os
import tarfile
import zlib
from typing import IO, cast

import numpy as np

from pykeras.datasets._safe_load import load_pickle


def load_batch(fpath, label_key="labels"):
    """Parses one CIFAR batch file: a Python 2 pickle of a dict.

    The dict holds `b"data"` (a `uint8` array of shape `(n, 3072)`, channels first) and
    `b"labels"` (a list of ints). It is unpickled with `RestrictedUnpickler`, which can
    only rebuild numpy arrays, so a tampered file cannot run code.

    Args:
        fpath: Path of the batch file, or a `(name, bytes)` pair for a batch read from
            an archive.
        label_key: Key of the labels (`"labels"`; CIFAR-100 uses `"fine_labels"` or
            `"coarse_labels"`).

    Returns:
        A tuple `(data, labels)`: `data` of shape `(n, 3, 32, 32)`, `labels` a list.

    Raises:
        ValueError: The file is not a valid CIFAR batch.
    """
    if isinstance(fpath, tuple):
        source, payload = fpath
        batch = load_pickle(io.BytesIO(payload), source, encoding="bytes")
    else:
        source = os.fspath(fpath)
        with open(source, "rb") as f:
            batch = load_pickle(f, source, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(
            f"Could not read {source}: a CIFAR batch is a pickled dict, this file holds "
            f"a {type(batch).__name__}."
        )
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    missing = [k for k in ("data", label_key) if k not in batch]
    if missing:
        raise ValueError(
            f"Could not read {source}: the batch has no {missing} entry; it holds "
            f"{sorted(map(str, batch))}."
        )
    data, labels = batch["data"], batch[label_key]
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(
            f"Could not read {source}: 'data' must be an array of shape (n, 3072), "
            f"received {type(data).__name__} {getattr(data, 'shape', '')}."
        )
    if len(labels) != len(data):
        raise ValueError(f"Could not read {source}: {len(data)} images but {len(labels)} labels.")
    return data.reshape(data.shape[0], 3, 32, 32), labels


def read_batches(path, names, folder_name):
    """Loads the batches `names` from a folder or a tar archive of the CIFAR layout.

    Args:
        path: The archive (`cifar-10-python.tar.gz`), the batches' folder, or a folder
            holding the batches' folder `folder_name`.
        names: Batch file names, in order.
        folder_name: Name of the folder inside the archive (`"cifar-10-batches-py"`).

    Returns:
        A list of `(data, labels)` pairs, one per name.

    Raises:
        FileNotFoundError: A batch is missing.
        ValueError: The archive or a batch is corrupt or not in the CIFAR format.
    """
    if os.path.isdir(path):
        inner = os.path.join(path, folder_name)
        folder = inner if os.path.isdir(inner) else path
        batches = []
        for name in names:
            fpath = os.path.join(folder, name)
            if not os.path.isfile(fpath):
                raise FileNotFoundError(
                    f"Missing CIFAR batch file {fpath}. The folder should hold "
                    f"{list(names)}, directly or inside a {folder_name!r} folder."
                )
            batches.append(load_batch(fpath))
        return batches
    return [load_batch(member) for member in _tar_members(path, names)]


def _tar_members(path, names):
    """The named batches of a CIFAR tarball, read in memory: nothing is extracted."""
    found = {}
    try:
        with tarfile.open(path) as archive:
            for member in archive:
                base = os.path.basename(member.name)
                if member.isfile() and base in names and base not in found:
                    found[base] = cast(IO[bytes], archive.extractfile(member)).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(
            f"Could not read {path}: it is not a valid tar archive of CIFAR batches ({e})."
        ) from e
    missing = [n for n in names if n not in found]
    if missing:
        raise FileNotFoundError(f"The archive {path} has no CIFAR batch named {missing}.")
    return [(f"{path}[{name}]", found[name]) for name in names]
