"""`save_model` / `load_model` / `save_weights` / `load_weights`: pick the format, then delegate.

Saving picks the format from the file name (or `save_format`): `.keras` is
Keras 3's zip archive, `.h5` / `.hdf5` the legacy HDF5 format,
`.weights.h5` Keras 3's weights layout. Loading ignores the name and looks
at the content, so a renamed file still loads.
"""

from __future__ import annotations

import os
from typing import Any

import h5py

from pykeras.errors import FileFormatError
from pykeras.saving import file_format, h5_weights, keras_zip, legacy_h5, orbax_format
from pykeras.saving.atomic import atomic_path, check_overwrite
from pykeras.saving.h5_safety import group_at, has, open_h5

_LEGACY_SUFFIXES = (".h5", ".hdf5")


def _model_format(filepath: str, save_format: Any) -> str:
    if save_format is not None:
        fmt = str(save_format).lower().lstrip(".")
        if fmt in ("keras", "keras_v3"):
            return "keras"
        if fmt in ("h5", "hdf5"):
            return "h5"
        raise ValueError(
            f"Unknown `save_format`: {save_format!r}. pykeras saves models as 'keras' (a .keras "
            "zip) or 'h5' (legacy HDF5); TensorFlow SavedModels ('tf') are not supported."
        )
    if filepath.endswith(".keras"):
        return "keras"
    if filepath.endswith(_LEGACY_SUFFIXES):
        return "h5"
    raise ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the "
        "native Keras format (recommended) or a `.h5` extension for the legacy HDF5 format. "
        f"Received: filepath={filepath}"
    )


def save_model(
    model: Any,
    filepath: str | os.PathLike[str],
    overwrite: bool = True,
    include_optimizer: bool = True,
    save_format: str | None = None,
    **kwargs: Any,
) -> None:
    """Saves a model (architecture, weights, compile settings, optimizer state) to one file.

    Args:
        model: the model.
        filepath: a path ending in `.keras` (Keras 3's format) or `.h5` (legacy HDF5).
        overwrite: replace an existing file (else ask on a terminal, or refuse).
        include_optimizer: also save the optimizer's state.
        save_format: `"keras"` or `"h5"`, overriding the extension.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.save("model.keras")
    >>> restored = pykeras.models.load_model("model.keras")
    """
    zipped = kwargs.pop("zipped", True)
    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword arguments: {sorted(kwargs)}")
    if not zipped:
        raise ValueError("pykeras saves `.keras` models zipped only. Received: zipped=False")
    filepath = os.fspath(filepath)
    fmt = _model_format(filepath, save_format)
    if not check_overwrite(filepath, overwrite):
        return
    if fmt == "keras":
        keras_zip.save_model(model, filepath, include_optimizer=include_optimizer)
    else:
        legacy_h5.save_model(model, filepath, include_optimizer=include_optimizer)


def load_model(
    filepath: str | os.PathLike[str],
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Loads a model saved by pykeras, Keras 3 or tf.keras 2 (`.keras` or `.h5`), or the
    latest step of an Orbax checkpoint directory (`callbacks.OrbaxCheckpoint`).

    Args:
        filepath: the file (its format is read from its content), or the directory.
        custom_objects: a dict of the user's classes and functions the file names.
        compile: restore the compile settings and the optimizer state.
        safe_mode: refuse Python bytecode stored in the file (Lambda layers
            made from `lambda`s). Pass False only for files you trust as
            much as a Python script, since that bytecode runs on load.

    Returns:
        The model.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: (a `ValueError`) the file is empty, truncated, corrupt
            or of another format, or describes something pykeras cannot build.
        ValueError: the file names classes outside pykeras and `custom_objects`,
            or stores bytecode in safe mode.

    Example:

    >>> keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]).save("model.keras")
    >>> model = pykeras.models.load_model("model.keras", compile=False)
    """
    filepath = os.fspath(filepath)
    if orbax_format.is_orbax_checkpoint(filepath):
        return orbax_format.load_model(filepath, custom_objects, compile, safe_mode)
    if file_format.detect(filepath) == "zip":
        return keras_zip.load_model(filepath, custom_objects, compile, safe_mode)
    return legacy_h5.load_model(filepath, custom_objects, compile, safe_mode)


def _weights_format(filepath: str, save_format: Any) -> str:
    if save_format is not None:
        fmt = str(save_format).lower().lstrip(".")
        if fmt in ("h5", "hdf5", "legacy_h5"):
            return "legacy"
        if fmt in ("keras", "weights.h5"):
            return "keras"
        raise ValueError(
            f"Unknown `save_format` for weights: {save_format!r}. Use 'weights.h5' (Keras 3's "
            "layout) or 'h5' (tf.keras 2's legacy layout)."
        )
    if filepath.endswith(".weights.h5"):
        return "keras"
    # Keras 3 reads any other `.h5` name with its legacy loader, so write that layout.
    if filepath.endswith(_LEGACY_SUFFIXES):
        return "legacy"
    return "keras"


def save_weights(
    model: Any,
    filepath: str | os.PathLike[str],
    overwrite: bool = True,
    save_format: str | None = None,
) -> None:
    """Saves `model`'s weights (and its optimizer's state) to HDF5.

    Args:
        model: a built model.
        filepath: `*.weights.h5` (and other names) get Keras 3's layout; other
            `*.h5` / `*.hdf5` names get tf.keras 2's legacy layout.
        overwrite: replace an existing file (else ask on a terminal, or refuse).
        save_format: `"weights.h5"` or `"h5"` (legacy), overriding the name.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> save_weights(model, "model.weights.h5")
    """
    filepath = os.fspath(filepath)
    _check_built(model, "saving")
    fmt = _weights_format(filepath, save_format)
    if not check_overwrite(filepath, overwrite):
        return
    with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
        if fmt == "keras":
            h5_weights.save_weights(model, f)
        else:
            legacy_h5.save_weights(model, f)


def load_weights(
    model: Any, filepath: str | os.PathLike[str], skip_mismatch: bool = False, by_name: bool = False
) -> None:
    """Loads weights saved by pykeras, Keras 3 or tf.keras 2, whatever the file's name:
    a `.weights.h5` (Keras 3 layout), a legacy `.h5` (weights-only or whole-model),
    a `.keras` archive, or an Orbax checkpoint directory (its latest step) or step
    folder (`callbacks.OrbaxCheckpoint`).

    Args:
        model: a built model.
        filepath: the file; its layout is read from its content.
        skip_mismatch: skip, with a warning, layers whose weights do not match
            instead of raising.
        by_name: (legacy layout only) match layers by name instead of by order.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: (a `ValueError`) a count or shape mismatch (naming the
            layer and the file), or a file that is empty, truncated, corrupt or
            of another format.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.save_weights("model.weights.h5")
    >>> load_weights(model, "model.weights.h5")
    """
    filepath = os.fspath(filepath)
    _check_built(model, "loading weights into")
    if orbax_format.is_orbax_checkpoint(filepath):
        if by_name:
            raise ValueError(
                "`by_name=True` needs a legacy `.h5` weights file, not an Orbax checkpoint."
            )
        orbax_format.load_weights(model, filepath, skip_mismatch)
        return
    if file_format.detect(filepath) == "zip":
        if by_name:
            raise ValueError("`by_name=True` needs a legacy `.h5` weights file, not `.keras`.")
        with keras_zip.open_weights(filepath) as f:
            h5_weights.load_weights(model, f, filepath, skip_mismatch)
        return
    with open_h5(filepath) as f:
        if legacy_h5.is_legacy_weights(f, filepath):
            group = f
            if has(f, "model_weights", filepath):
                group = group_at(f, "model_weights", filepath)
            legacy_h5.load_weights(model, group, filepath, by_name, skip_mismatch)
        elif by_name:
            raise FileFormatError(
                f"`by_name=True` needs a legacy `.h5` weights file; '{filepath}' has Keras 3's "
                "layout, which matches weights by position in the model."
            )
        else:
            h5_weights.load_weights(model, f, filepath, skip_mismatch)


def _check_built(model: Any, what: str) -> None:
    if not model.built:
        raise ValueError(
            f"You are {what} model '{model.name}', which has not yet been built. Build it first "
            "by calling it on some data or with `model.build(input_shape)`."
        )
