"""Orbax checkpoints as Keras 3's `OrbaxCheckpoint` writes and reads them.

A checkpoint directory holds one folder per step (`<dir>/0`, `<dir>/1`, ...),
written by Orbax's `training.Checkpointer` (the `orbax-checkpoint` package, its
`v1` API, as Keras uses it). Each step holds these checkpointables:

- `pytree`: the model's state tree (`state_tree.get_state_tree`): trainable,
  non-trainable, optimizer and metrics variables nested by variable path.
- `model_config`: `{"config": <the model's Keras 3 config as JSON>}` (not when
  saving weights only).
- `assets`: the files layers write with `save_assets`, as nested dicts of uint8
  arrays mirroring the folders (only when the model has some).

Keras reads such a directory back with `keras.saving.load_model(dir)` (model and
state of the latest step) or `model.load_weights(dir)` (the state only; `dir`
may also be one step's folder); pykeras's `load_model` and `load_weights` do
the same.

Orbax is an optional dependency (the `orbax` extra): it is imported on first use.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from pykeras.errors import FileFormatError
from pykeras.saving import config_checks, file_format, state_paths, state_tree
from pykeras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    serialize_keras_object,
)

# What Keras 3 takes for a sign that a directory is an Orbax checkpoint, plus the
# metadata file of one step's folder as orbax-checkpoint 0.11+ names it (Keras
# 3.15 looks for `checkpoint_metadata`, so its `load_weights(<dir>/<step>)`
# refuses the folder it means to accept).
_INDICATORS = frozenset(
    {"orbax.checkpoint", "pytree.orbax-checkpoint", "checkpoint_metadata", "_CHECKPOINT_METADATA"}
)
_TMP_MARK = ".orbax-checkpoint-tmp"


def orbax_v1(purpose: str) -> Any:
    """`orbax.checkpoint.v1`, or an ImportError that names the `orbax` extra.

    Args:
        purpose: what needs Orbax, e.g. "OrbaxCheckpoint", for the message.
    """
    try:
        # optional dependency: the `orbax` extra (orbax-checkpoint, which brings JAX)
        import orbax.checkpoint as ocp
    except ImportError as e:
        raise ImportError(
            f"{purpose} requires the 'orbax-checkpoint' package, which pykeras installs with "
            'its `orbax` extra: `pip install "pykeras[orbax]"` (or `pip install '
            f"orbax-checkpoint`). Import failed with: {e}"
        ) from e
    return ocp.v1


def is_orbax_checkpoint(filepath: str | os.PathLike[str]) -> bool:
    """Whether `filepath` is an Orbax checkpoint directory (a root or one step), by
    Keras 3's rule: Orbax's marker files, or folders named by a step number."""
    filepath = os.fspath(filepath)
    if not os.path.isdir(filepath):
        return False
    try:
        contents = os.listdir(filepath)
    except OSError:
        return False
    if not _INDICATORS.isdisjoint(contents):
        return True
    return any(
        _TMP_MARK in item or (item.isdigit() and os.path.isdir(os.path.join(filepath, item)))
        for item in contents
    )


def _has_step_dirs(filepath: str) -> bool:
    return any(
        item.isdigit() and os.path.isdir(os.path.join(filepath, item))
        for item in os.listdir(filepath)
    )


def latest_step(filepath: str) -> int:
    """The latest completed step of the checkpoint root `filepath`."""
    ocp = orbax_v1("Loading an Orbax checkpoint")
    checkpointer = ocp.training.Checkpointer(directory=filepath)
    try:
        latest = checkpointer.latest
    finally:
        checkpointer.close()
    if latest is None:
        raise FileFormatError(f"No valid checkpoints found in '{filepath}'.")
    return int(latest.step)


def _step_dir(filepath: str) -> str:
    """The folder of the step to load: the latest under a root, else `filepath` itself."""
    if _has_step_dirs(filepath):
        return os.path.join(filepath, str(latest_step(filepath)))
    return filepath


@contextlib.contextmanager
def _quiet_restore() -> Iterator[None]:
    # Orbax warns that restoring JAX arrays without a target sharding reads the
    # saved one; pykeras turns them into numpy arrays at once, so it does not matter.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sharding info not provided")
        yield


def _as_numpy(tree: Any) -> Any:
    """Orbax hands back JAX arrays for what Keras (JAX) saved: numpy for pykeras."""
    if isinstance(tree, dict):
        return {k: _as_numpy(v) for k, v in tree.items()}
    return np.asarray(tree)


def model_config_json(model: Any) -> str:
    """The model's Keras 3 config as JSON, as Keras stores it in `model_config`."""
    return json.dumps(serialize_keras_object(model))


def assets_tree(model: Any) -> dict[str, Any] | None:
    """The files layers write with `save_assets`, as Keras's nested dict of uint8
    arrays mirroring `<object path>/<file>` (None when there are none)."""
    objects = [
        (path, obj)
        for path, obj in state_paths.walk(model, True)
        if callable(getattr(obj, "save_assets", None))
    ]
    if not objects:
        return None
    tree: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pykeras_assets_") as root:
        for path, obj in objects:
            folder = os.path.join(root, *path.split("/")) if path else root
            os.makedirs(folder, exist_ok=True)
            obj.save_assets(folder)
        for dirpath, _, filenames in os.walk(root):
            for filename in sorted(filenames):
                full = os.path.join(dirpath, filename)
                parts = os.path.relpath(full, root).split(os.sep)
                node = tree
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                with open(full, "rb") as f:
                    node[parts[-1]] = np.frombuffer(f.read(), dtype=np.uint8)
    return tree or None


def _write_assets(tree: dict[str, Any], folder: str, source: str) -> None:
    for name, value in tree.items():
        name = str(name)
        if (
            name in ("", ".", "..")
            or "/" in name
            or "\\" in name
            or ":" in name
            or posixpath.normpath(name) != name
        ):
            raise FileFormatError(
                f"Refusing {source}: its asset name {name!r} would be written outside the "
                "assets folder."
            )
        target = os.path.join(folder, name)
        if isinstance(value, dict):
            os.makedirs(target, exist_ok=True)
            _write_assets(value, target, source)
        else:
            with open(target, "wb") as f:
                f.write(np.asarray(value, dtype=np.uint8).tobytes())


def load_assets(model: Any, tree: dict[str, Any] | None, source: str) -> None:
    """Calls `load_assets(folder)` on the objects that define it, with the folder
    `assets_tree` stored for them (None when it stored nothing there)."""
    if not tree:
        return
    objects = [
        (path, obj)
        for path, obj in state_paths.walk(model, True)
        if callable(getattr(obj, "load_assets", None))
    ]
    with tempfile.TemporaryDirectory(prefix="pykeras_assets_") as root:
        _write_assets(tree, root, source)
        for path, obj in objects:
            folder = os.path.join(root, *path.split("/")) if path else root
            obj.load_assets(folder if os.path.isdir(folder) else None)


def checkpoint_payload(model: Any, weights_only: bool) -> dict[str, Any]:
    """The checkpointables of one step, as Keras's `OrbaxCheckpoint` saves them."""
    payload: dict[str, Any] = {"pytree": state_tree.get_state_tree(model, weights_only)}
    if not weights_only:
        payload["model_config"] = {"config": model_config_json(model)}
        assets = assets_tree(model)
        if assets is not None:
            payload["assets"] = assets
    return payload


def load_weights(model: Any, filepath: str | os.PathLike[str], skip_mismatch: bool = False) -> None:
    """`model.load_weights(dir)` for an Orbax checkpoint: the state tree of the latest
    step under a root directory, or of the step folder `filepath` itself."""
    filepath = os.fspath(filepath)
    ocp = orbax_v1("Loading an Orbax checkpoint")
    step_dir = _step_dir(filepath)
    source = f"the Orbax checkpoint '{step_dir}'"
    try:
        with _quiet_restore():
            loaded = ocp.load_checkpointables(step_dir, {"pytree": None})
    except (OSError, ValueError, KeyError) as e:
        raise FileFormatError(f"Cannot read {source}: {e}") from e
    state_tree.set_state_tree(model, _as_numpy(loaded["pytree"]), source, skip_mismatch)


def load_model(
    filepath: str | os.PathLike[str],
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """`load_model(dir)` for an Orbax checkpoint root: the model rebuilt from the
    latest step's `model_config`, with its state and assets."""
    filepath = os.fspath(filepath)
    ocp = orbax_v1("Loading an Orbax checkpoint")
    step = latest_step(filepath)
    source = f"the Orbax checkpoint '{os.path.join(filepath, str(step))}'"
    checkpointer = ocp.training.Checkpointer(directory=filepath)
    try:
        with ocp.Context(), _quiet_restore():
            saved = set(checkpointer.checkpointables_metadata(step).metadata.keys())
            if "model_config" not in saved:
                raise FileFormatError(
                    f"{source} does not contain a model configuration: it was saved with "
                    "`save_weights_only=True`. Build the model and call "
                    "`model.load_weights(directory)` instead."
                )
            config_json = checkpointer.load_checkpointables(step, {"model_config": None})[
                "model_config"
            ]["config"]
            request: dict[str, Any] = {"pytree": None}
            if "assets" in saved:
                request["assets"] = None
            loaded = checkpointer.load_checkpointables(step, request)
    finally:
        checkpointer.close()
    config = config_checks.parse_json(config_json, f"The model_config of {source}")
    if not isinstance(config, dict) or "class_name" not in config:
        raise FileFormatError(
            f"The model_config of {source} does not describe a model: expected a dict with "
            f"'class_name' and 'config'. Received: {type(config).__name__}"
        )
    if not compile:
        config.pop("compile_config", None)
    with SafeModeScope(safe_mode):
        model = file_format.config_errors_name_file(
            os.path.join(filepath, str(step)),
            deserialize_keras_object,
            config,
            custom_objects=custom_objects,
        )
    state = {k: v for k, v in _as_numpy(loaded["pytree"]).items() if k in state_tree.STATE_KEYS}
    if not compile:
        state.pop("optimizer_variables", None)
    state_tree.set_state_tree(model, state, source)
    assets = loaded.get("assets")
    load_assets(model, _as_numpy(assets) if assets is not None else None, source)
    return model
