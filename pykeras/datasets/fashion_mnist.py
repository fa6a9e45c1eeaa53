"""Fashion-MNIST dataset."""

from __future__ import annotations

import gzip
import os
import struct
import tarfile
import zipfile
import zlib
from typing import IO, Any, cast

import numpy as np

from pykeras.datasets._source import KERAS_DATASETS_URL, local_dir_or_archive
from pykeras.utils.file_utils import get_file

FILES = [
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
]
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")

# IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte) and the
# number of dimensions.
_LABELS_MAGIC = 0x00000801
_IMAGES_MAGIC = 0x00000803


def load_data(path=None):
    """Loads the Fashion-MNIST dataset.

    60,000 28x28 grayscale images of 10 fashion categories, and a test set of 10,000
    images; a drop-in replacement for MNIST. The labels are:

    | Label | Description |
    |:-----:|-------------|
    |   0   | T-shirt/top |
    |   1   | Trouser     |
    |   2   | Pullover    |
    |   3   | Dress       |
    |   4   | Coat        |
    |   5   | Sandal      |
    |   6   | Shirt       |
    |   7   | Sneaker     |
    |   8   | Bag         |
    |   9   | Ankle boot  |

    Args:
        path: pykeras extension (Keras's `load_data()` takes no argument). `None`
            downloads the four files into `~/.keras/datasets/fashion-mnist` on first use.
            A folder, or a tar or zip archive, holding `train-labels-idx1-ubyte.gz`,
            `train-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` and
            `t10k-images-idx3-ubyte.gz` (or the same names without `.gz`,
            uncompressed) is read instead, without downloading or extracting.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

    **`x_train`**: `uint8` array of shape `(60000, 28, 28)`.

    **`y_train`**: `uint8` array of labels (0-9) of shape `(60000,)`.

    **`x_test`**: `uint8` array of shape `(10000, 28, 28)`.

    **`y_test`**: `uint8` array of shape `(10000,)`.

    Raises:
        OSError: A download failed, or a file is missing from the local folder or archive.
        ValueError: A file is not a valid IDX file, or `path` is not a folder or archive.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    ```

    License: the copyright for Fashion-MNIST is held by Zalando SE; it is licensed under
    the [MIT license](https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE).
    """
    sources: list[tuple[str, bool, Any]]
    if path is None:
        paths = [
            get_file(fname, origin=KERAS_DATASETS_URL + fname, cache_subdir=CACHE_SUBDIR)
            for fname in FILES
        ]
        sources = [(p, p.endswith(".gz"), _read_file(p)) for p in paths]
    else:
        local = local_dir_or_archive(path, "Fashion-MNIST folder or archive")
        if os.path.isdir(local):
            paths = [_find(local, fname) for fname in FILES]
            sources = [(p, p.endswith(".gz"), _read_file(p)) for p in paths]
        else:
            sources = _from_archive(local)

    y_train = _read_idx(*sources[0], _LABELS_MAGIC)
    x_train = _read_idx(*sources[1], _IMAGES_MAGIC)
    y_test = _read_idx(*sources[2], _LABELS_MAGIC)
    x_test = _read_idx(*sources[3], _IMAGES_MAGIC)
    for x, y, (labels_name, _, _) in ((x_train, y_train, sources[0]), (x_test, y_test, sources[2])):
        if len(x) != len(y):
            raise ValueError(
                f"{labels_name} holds {len(y)} labels but its images file {len(x)} images."
            )
    return (x_train, y_train), (x_test, y_test)


def _plain(fname):
    return fname[: -len(".gz")]


def _find(folder, fname):
    for candidate in (fname, _plain(fname)):
        full = os.path.join(folder, candidate)
        if os.path.isfile(full):
            return full
    raise FileNotFoundError(f"Missing Fashion-MNIST file {os.path.join(folder, fname)}.")


def _read_file(fpath):
    with open(fpath, "rb") as f:
        return f.read()


def _from_archive(path):
    """The four files from a tar or zip archive, matched by base name and read in memory."""
    wanted = set(FILES) | {_plain(f) for f in FILES}
    found = {}
    try:
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                for m in archive:
                    base = os.path.basename(m.name)
                    if m.isfile() and base in wanted and base not in found:
                        found[base] = cast(IO[bytes], archive.extractfile(m)).read()
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    base = os.path.basename(name)
                    if base in wanted and base not in found:
                        found[base] = archive.read(name)
        else:
            raise ValueError(
                f"The Fashion-MNIST `path` must be a folder or a tar or zip archive holding "
                f"{FILES}. Received: path={path}"
            )
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ValueError(f"Could not read {path}: corrupt or truncated archive ({e}).") from e
    sources = []
    for fname in FILES:
        base = fname if fname in found else _plain(fname)
        if base not in found:
            raise FileNotFoundError(f"The archive {path} has no Fashion-MNIST file {fname}.")
        sources.append((f"{path}[{base}]", base.endswith(".gz"), found[base]))
    return sources


def _read_idx(name, compressed, raw, magic):
    """Parses an IDX file of unsigned bytes: big-endian magic, dimensions, then the data."""
    if compressed:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"Could not read {name}: corrupt or truncated gzip ({e}).") from e
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header or struct.unpack(">I", raw[:4])[0] != magic:
        kind = "labels" if ndim == 1 else "images"
        raise ValueError(
            f"Could not read {name}: it is not an IDX {kind} file (expected the magic "
            f"number {magic:#010x})."
        )
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise ValueError(
            f"Could not read {name}: its header announces {dims} = {expected} bytes of "
            f"data, it holds {len(raw) - header}. The file may be truncated."
        )
    # A bytearray makes the result writable, unlike np.frombuffer on bytes.
    return np.frombuffer(bytearray(raw[header:]), dtype=np.uint8).reshape(dims)
