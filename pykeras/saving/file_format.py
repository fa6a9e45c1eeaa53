"""Which kind of file a path holds, from its first bytes rather than its extension.

Users rename files (`model.h5` that is really a `.keras` zip, weights saved
as `.hdf5`), so loading looks at the content: HDF5 files start with a fixed
8-byte signature, zip archives with `PK`.
"""

import os

import h5py

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")


def detect(filepath):
    """`"hdf5"` or `"zip"` for the file at `filepath`.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a directory (e.g. a TensorFlow SavedModel), an empty file,
            or a file of another format; the message names the file.
    """
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise ValueError(
            f"'{filepath}' is a directory (a TensorFlow SavedModel or an unzipped model?). "
            "pykeras reads `.keras` zip files and HDF5 (`.h5`, `.weights.h5`) files; re-save "
            "the model with Keras in one of those formats."
        )
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: '{filepath}'")
    with open(filepath, "rb") as f:
        head = f.read(8)
    if not head:
        raise ValueError(f"'{filepath}' is empty: it holds no model or weights.")
    if head.startswith(_HDF5_SIGNATURE):
        return "hdf5"
    if head.startswith(_ZIP_SIGNATURES):
        return "zip"
    # HDF5 allows a user block before the signature (at 512, 1024, ... bytes).
    try:
        if h5py.is_hdf5(filepath):
            return "hdf5"
    except OSError:
        pass
    raise ValueError(
        f"'{filepath}' is neither a `.keras` zip archive nor an HDF5 file (it starts with "
        f"{head!r}); it may be truncated, corrupt, or of another format."
    )


def config_errors_name_file(filepath, fn, *args, **kwargs):
    """Runs `fn`; a config it cannot use raises an error that names `filepath`."""
    try:
        return fn(*args, **kwargs)
    except (KeyError, IndexError, AttributeError) as e:
        raise ValueError(f"The model config in '{filepath}' is invalid: {e!r}") from e
    except ValueError as e:
        raise ValueError(f"Cannot load the model in '{filepath}': {e}") from e
    except TypeError as e:
        raise TypeError(f"Cannot load the model in '{filepath}': {e}") from e
