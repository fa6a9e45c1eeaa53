"""Reading dataset files without letting them run code.

Two of Keras's datasets are pickles: the CIFAR batches (Python 2 pickles of dicts) and
the ragged `dtype=object` arrays of `imdb.npz`. `pickle.load` (and so
`np.load(allow_pickle=True)`) calls any function a file names, so a tampered download
could run `os.system`. Rebuilding those files needs exactly three globals: `numpy.ndarray`,
`numpy.dtype` and `multiarray._reconstruct` (under its numpy < 2 and >= 2 module
names); a re-pickled copy written with protocol 5 also uses `numeric._frombuffer`.
Dicts, lists, ints and byte strings are pickle primitives that name no global.
`RestrictedUnpickler` resolves only those globals, from a fixed table, and refuses any
other before it can be called.

Every reader here reports a corrupt, truncated or wrong-format file as a `ValueError`
that names the file.
"""

from __future__ import annotations

import io
import pickle
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    # NumPy's private unpickling helpers, which its type stubs leave out.
    def _reconstruct(*args: Any) -> np.ndarray: ...
    def _frombuffer(*args: Any) -> np.ndarray: ...

else:
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct
        from numpy._core.numeric import _frombuffer
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct
        from numpy.core.numeric import _frombuffer

# Resolved from this table, never imported by name: finding a global must not run
# import-time code either.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    # Pickle protocol 5 (Python 3.14's default) rebuilds a numeric array with
    # `_frombuffer(bytes, dtype, shape, order)`, which only views bytes as an array.
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays, dicts, lists, numbers and strings only.

    Any other global (`os.system`, `builtins.eval`, `subprocess.Popen`, ...) is refused
    with `pickle.UnpicklingError` before it is looked up, so nothing in the file runs.

    Example:

    ```python
    with open("data_batch_1", "rb") as f:
        batch = RestrictedUnpickler(f, encoding="bytes").load()
    ```
    """

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(sorted(f"{m}.{n}" for m, n in _ALLOWED_GLOBALS))
            raise pickle.UnpicklingError(
                f"refusing to load the global `{module}.{name}`: a dataset file may only "
                f"reference {allowed}. The file may be corrupted or malicious"
            ) from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("refusing a persistent id: dataset files use none")


def load_pickle(fileobj, source, encoding="ASCII"):
    """Unpickles `fileobj` with `RestrictedUnpickler`.

    Args:
        fileobj: Binary file object positioned at the pickle.
        source: Name of the file, for error messages.
        encoding: How Python 2 `str` objects are decoded (`"bytes"` keeps them bytes).

    Returns:
        The unpickled object.

    Raises:
        ValueError: The pickle is corrupt, truncated or references a refused global.
    """
    try:
        return RestrictedUnpickler(fileobj, encoding=encoding).load()
    except Exception as e:  # whatever a damaged stream raises inside pickle or numpy
        raise ValueError(f"Could not read {source}: {e}.") from e


def load_npz(path, keys, object_keys=()):
    """Reads the arrays `keys` from the `.npz` file at `path`, without `allow_pickle`.

    Numeric arrays are read with pickling disabled. An array in `object_keys` may also
    be a `dtype=object` array, which is read with `RestrictedUnpickler`.

    Args:
        path: Path of the `.npz` file.
        keys: Names of the arrays to read.
        object_keys: Names of the arrays that may be object arrays.

    Returns:
        A dict from each key to its array.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: The file is not a valid `.npz`, lacks one of `keys`, or holds a
            pickled array where a numeric one is expected.
    """
    path = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            arrays = {}
            for key in keys:
                if f"{key}.npy" not in names:
                    found = sorted(n[: -len(".npy")] for n in names if n.endswith(".npy"))
                    raise ValueError(
                        f"{path} has no array named {key!r}; it holds {found}. "
                        "Is it the right dataset file?"
                    )
                member = f"{path}[{key}]"
                with archive.open(f"{key}.npy") as raw:
                    buffer = io.BytesIO(raw.read())
                arrays[key] = _read_npy(buffer, member, allow_object=key in object_keys)
            return arrays
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
        raise ValueError(
            f"Could not read {path}: it is not a valid .npz file (corrupt or truncated "
            f"zip archive: {e})."
        ) from e


def _read_npy(fp, source, allow_object):
    try:
        version = np.lib.format.read_magic(fp)
        # The 3.0 header differs from 2.0 only in its text encoding (utf-8, not
        # latin-1); the byte layout is the same, so the 2.0 reader serves both.
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(fp)
    except ValueError as e:
        raise ValueError(f"Could not read {source}: not a .npy array ({e}).") from e
    if not dtype.hasobject:
        fp.seek(0)
        try:
            return np.lib.format.read_array(fp, allow_pickle=False)
        except ValueError as e:
            raise ValueError(f"Could not read {source}: {e}.") from e
    if not allow_object:
        raise ValueError(
            f"Could not read {source}: it is a pickled object array where a numeric "
            f"array was expected (dtype {dtype}). The file may be corrupted or malicious."
        )
    # np.save writes an object array as a pickle right after the header; latin-1 is
    # numpy's advice for arrays pickled by Python 2.
    array = load_pickle(fp, source, encoding="latin1")
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError(
            f"Could not read {source}: the header announces an array of shape {shape}, "
            f"the data holds {type(array).__name__} {getattr(array, 'shape', '')}."
        )
    return array
