"""Which kind of file a path holds, from its first bytes rather than its extension.

Users rename files (`model.h5` that is really a `.keras` zip, weights saved
as `.hdf5`), so loading looks at the content: HDF5 files start with a fixed
8-byte signature, zip archives with `PK`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import h5py

from pykeras.errors import ConfigTypeError, FileFormatError
from pykeras.layers.layer import Layer
from pykeras.saving.config_checks import CONFIG_FAULTS

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")


def detect(filepath: str | os.PathLike[str]) -> str:
    """`"hdf5"` or `"zip"` for the file at `filepath`.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: (a `ValueError`) a directory (e.g. a TensorFlow SavedModel), an empty file,
            or a file of another format; the message names the file.
    """
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise FileFormatError(
            f"'{filepath}' is a directory (a TensorFlow SavedModel or an unzipped model?). "
            "pykeras reads `.keras` zip files and HDF5 (`.h5`, `.weights.h5`) files; re-save "
            "the model with Keras in one of those formats."
        )
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: '{filepath}'")
    with open(filepath, "rb") as f:
        head = f.read(8)
    if not head:
        raise FileFormatError(f"'{filepath}' is empty: it holds no model or weights.")
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
    raise FileFormatError(
        f"'{filepath}' is neither a `.keras` zip archive nor an HDF5 file (it starts with "
        f"{head!r}); it may be truncated, corrupt, or of another format."
    )


def config_errors_name_file(
    filepath: str | os.PathLike[str], fn: Callable, *args: Any, **kwargs: Any
) -> Layer:
    """Runs `fn`, which builds the model in the config of `filepath`; the errors a
    config it cannot use raises name `filepath`, and so does a config that
    describes something other than a model or layer (a function, an array)."""
    try:
        model = fn(*args, **kwargs)
    except CONFIG_FAULTS as e:
        raise FileFormatError(
            f"The model config in '{filepath}' is invalid ({type(e).__name__}: {e})."
        ) from e
    except ValueError as e:
        raise FileFormatError(f"Cannot load the model in '{filepath}': {e}") from e
    except TypeError as e:
        raise ConfigTypeError(f"Cannot load the model in '{filepath}': {e}") from e
    if not isinstance(model, Layer):
        raise FileFormatError(
            f"The model config in '{filepath}' describes a {type(model).__name__}, not a model. "
            f"Received: {model!r:.100}"
        )
    return model
