"""Keras 3's weights layout in HDF5 (`.weights.h5`, and `model.weights.h5` inside `.keras`).

One group per object with state, at the object's path (see `state_paths`):
`layers/dense/vars/0`, `layers/dense/vars/1`, ..., `optimizer/vars/0`, ...;
each `vars` group carries the object's name as an attribute. Variables are
numbered in the object's own order (trainable first), as Keras numbers them.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import FileFormatError
from pykeras.layers.layer import Layer
from pykeras.optimizers.optimizer import Optimizer
from pykeras.saving import state_paths
from pykeras.saving.h5_safety import (
    dataset_at,
    group_at,
    has,
    member_count,
    member_names,
    read_array,
    shape_of,
)

if TYPE_CHECKING:
    import h5py


class _VarsStore:
    """The `vars` group of one object, as the dict-like store Keras's
    `save_own_variables` / `load_own_variables` methods take."""

    def __init__(self, group: Any, filepath: str | os.PathLike[str] | None = None) -> None:
        self._group = group
        self._filepath = filepath

    def keys(self) -> list[str]:
        return [] if self._group is None else member_names(self._group, self._filepath)

    def __len__(self) -> int:
        return 0 if self._group is None else member_count(self._group, self._filepath)

    def __contains__(self, key: Any) -> bool:
        return self._group is not None and has(self._group, key, self._filepath)

    def _dataset(self, key: Any) -> Any:
        if self._group is None:
            raise KeyError(key)
        return dataset_at(self._group, key, self._filepath)

    def shape(self, key: Any) -> tuple[int, ...]:
        """The stored shape of variable `key`, without reading it."""
        return shape_of(self._dataset(key), self._filepath)

    def __getitem__(self, key: Any) -> np.ndarray:
        return read_array(self._dataset(key), self._filepath)

    def __setitem__(self, key: Any, value: Any) -> None:
        if hasattr(value, "numpy"):
            value = value.numpy()  # a Variable, as Keras's default hook stores them
        self._group.create_dataset(key, data=np.asarray(value))


def save_weights(model: Any, h5file: Any, include_optimizer: bool = True) -> None:
    """Writes the state of `model` (and its optimizer) into the open h5py file `h5file`."""
    for path, obj in state_paths.walk(model, include_optimizer):
        group = h5file.create_group(f"{path}/vars" if path else "vars")
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        store = _VarsStore(group)
        custom = _own_hook(obj, "save_own_variables")
        if custom is not None:
            custom(store)
            continue
        for i, variable in enumerate(state_paths.own_variables(obj)):
            store[str(i)] = variable.numpy()


def _own_hook(obj: Any, name: str) -> Any:
    """`obj`'s bound `name` method when its class defines one other than the default
    of `Layer` (which does what this module does, with less precise errors), else None.
    Keras 3 calls these hooks on every object with state when saving and loading."""
    method = getattr(type(obj), name, None)
    if not callable(method) or method is getattr(Layer, name, None):
        return None
    return getattr(obj, name)


def _vars_group(h5file: Any, path: str, filepath: str | os.PathLike[str]) -> Any:
    """The `vars` group at `path`, or None; also where Keras 2.13 put layers."""
    for candidate in (path, path.replace("layers", "_layer_checkpoint_dependencies", 1)):
        full = f"{candidate}/vars" if candidate else "vars"
        if has(h5file, full, filepath):
            return group_at(h5file, full, filepath)
        if not candidate:
            break
    return None


def has_optimizer_state(h5file: h5py.File, filepath: str | os.PathLike[str]) -> bool:
    group = _vars_group(h5file, "optimizer", filepath)
    return group is not None and member_count(group, filepath) > 2


def load_weights(
    model: Layer,
    h5file: h5py.File,
    filepath: str | os.PathLike[str],
    skip_mismatch: bool = False,
    include_optimizer: bool = True,
) -> None:
    """Assigns the weights stored in `h5file` (Keras 3 layout) to `model`.

    Raises:
        FileFormatError: (a `ValueError`) naming the layer, the file and what did
            not match, unless `skip_mismatch`, in which case each skipped object is
            reported by a warning.
    """
    _maybe_build_optimizer(model, h5file, filepath, include_optimizer)
    failures = []
    for path, obj in state_paths.walk(model, include_optimizer):
        store = _VarsStore(_vars_group(h5file, path, filepath), filepath)
        try:
            custom = _own_hook(obj, "load_own_variables")
            if isinstance(obj, Optimizer):
                if len(store) <= 2 < len(obj.variables):
                    # Saved before any step (iteration and learning rate only): the
                    # fresh state is that state, and the learning rate is in the config.
                    continue
                _check_optimizer_store(obj, store, path)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    obj.load_own_variables(store)
                for w in caught:
                    warnings.warn(f"{w.message} (file '{filepath}')", stacklevel=3)
            elif callable(custom):
                custom(store)
            else:
                _load_layer(obj, store, path)
        except (ValueError, KeyError) as e:
            message = f"Cannot load the weights of '{filepath}' into the model: {e}"
            if not skip_mismatch:
                raise FileFormatError(message) from e
            failures.append(message)
    for message in failures:
        warnings.warn(f"Skipped: {message}", stacklevel=2)


def _load_layer(layer: Any, store: Any, path: str) -> None:
    variables = state_paths.own_variables(layer)
    where = f"'{path}/vars'" if path else "'vars'"
    if len(store) != len(variables):
        raise ValueError(
            f"Layer '{layer.name}' expected {len(variables)} variables, but the file holds "
            f"{len(store)} at {where}. Expected: {[v.name for v in variables]}"
        )
    # Shapes first: a dataset is read only once it is known to fit its variable.
    for i, variable in enumerate(variables):
        shape = store.shape(str(i))
        if shape != tuple(variable.shape):
            raise ValueError(
                f"Layer '{layer.name}' weight '{variable.name}' has shape {variable.shape}, but "
                f"the file holds shape {shape} at {where}."
            )
    for i, variable in enumerate(variables):
        variable.assign(store[str(i)])


def _check_optimizer_store(optimizer: Any, store: Any, path: str) -> None:
    """When the counts match (else the optimizer skips the state with a warning),
    every stored array must have its slot's shape, and the step count must be a
    count: checked before the optimizer reads them."""
    expected = [tuple(np.shape(w)) for w in optimizer.get_weights()]
    if len(store) != len(expected):
        return
    for i, shape in enumerate(expected):
        stored = store.shape(str(i))
        if stored != shape:
            raise ValueError(
                f"Optimizer '{optimizer.name}' variable #{i} has shape {shape}, but the file "
                f"holds shape {stored} at '{path}/vars'."
            )
    iterations = store["0"]
    if not (np.isfinite(iterations).all() and 0 <= iterations.min() < 2**62):
        raise ValueError(
            f"Optimizer '{optimizer.name}' step count at '{path}/vars/0' must be a "
            f"non-negative integer. Received: {iterations!r:.80}"
        )


def _maybe_build_optimizer(
    model: Any, h5file: Any, filepath: str | os.PathLike[str], include_optimizer: Any
) -> None:
    """Creates the optimizer's slots before loading them, so that training resumes
    where it stopped (Keras skips the state of an optimizer not built yet)."""
    optimizer = getattr(model, "__dict__", {}).get("optimizer")
    if not include_optimizer or optimizer is None or getattr(optimizer, "built", True):
        return
    if model.built and has_optimizer_state(h5file, filepath):
        optimizer.build(model.trainable_weights)
