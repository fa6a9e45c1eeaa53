"""Keras 3's weights layout in HDF5 (`.weights.h5`, and `model.weights.h5` inside `.keras`).

One group per object with state, at the object's path (see `state_paths`):
`layers/dense/vars/0`, `layers/dense/vars/1`, ..., `optimizer/vars/0`, ...;
each `vars` group carries the object's name as an attribute. Variables are
numbered in the object's own order (trainable first), as Keras numbers them.
"""

import warnings

import numpy as np

from pykeras.saving import state_paths
from pykeras.saving.h5_safety import safe_dataset, safe_group


class _VarsStore:
    """The `vars` group of one object, as the dict-like store Keras's
    `save_own_variables` / `load_own_variables` methods take."""

    def __init__(self, group):
        self._group = group if group is not None else {}

    def keys(self):
        return list(self._group.keys())

    def __len__(self):
        return len(self._group)

    def __contains__(self, key):
        return key in self._group

    def __getitem__(self, key):
        return np.asarray(safe_dataset(self._group, key)[()])

    def __setitem__(self, key, value):
        value = np.asarray(value)
        self._group.create_dataset(key, data=value)


def save_weights(model, h5file, include_optimizer=True):
    """Writes the state of `model` (and its optimizer) into the open h5py file `h5file`."""
    for path, obj in state_paths.walk(model, include_optimizer):
        group = h5file.create_group(f"{path}/vars" if path else "vars")
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        store = _VarsStore(group)
        custom = getattr(obj, "save_own_variables", None)
        if callable(custom):
            custom(store)
            continue
        for i, variable in enumerate(state_paths.own_variables(obj)):
            store[str(i)] = variable.numpy()


def _vars_group(h5file, path):
    """The `vars` group at `path`, or None; also where Keras 2.13 put layers."""
    for candidate in (path, path.replace("layers", "_layer_checkpoint_dependencies", 1)):
        full = f"{candidate}/vars" if candidate else "vars"
        if full in h5file:
            return safe_group(h5file, full)
        if not candidate:
            break
    return None


def has_optimizer_state(h5file):
    group = _vars_group(h5file, "optimizer")
    return group is not None and len(group) > 2


def load_weights(model, h5file, filepath, skip_mismatch=False, include_optimizer=True):
    """Assigns the weights stored in `h5file` (Keras 3 layout) to `model`.

    Raises:
        ValueError: naming the layer, the file and what did not match, unless
            `skip_mismatch`, in which case each skipped object is reported by a warning.
    """
    from pykeras.optimizers.optimizer import Optimizer

    _maybe_build_optimizer(model, h5file, include_optimizer)
    failures = []
    for path, obj in state_paths.walk(model, include_optimizer):
        store = _VarsStore(_vars_group(h5file, path))
        try:
            custom = getattr(obj, "load_own_variables", None)
            if isinstance(obj, Optimizer):
                if len(store) <= 2 < len(obj.variables):
                    # Saved before any step (iteration and learning rate only): the
                    # fresh state is that state, and the learning rate is in the config.
                    continue
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
                raise ValueError(message) from e
            failures.append(message)
    for message in failures:
        warnings.warn(f"Skipped: {message}", stacklevel=2)


def _load_layer(layer, store, path):
    variables = state_paths.own_variables(layer)
    where = f"'{path}/vars'" if path else "'vars'"
    if len(store) != len(variables):
        raise ValueError(
            f"Layer '{layer.name}' expected {len(variables)} variables, but the file holds "
            f"{len(store)} at {where}. Expected: {[v.name for v in variables]}"
        )
    values = [store[str(i)] for i in range(len(variables))]
    for variable, value in zip(variables, values):
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(
                f"Layer '{layer.name}' weight '{variable.name}' has shape {variable.shape}, but "
                f"the file holds shape {tuple(value.shape)} at {where}."
            )
    for variable, value in zip(variables, values):
        variable.assign(value)


def _maybe_build_optimizer(model, h5file, include_optimizer):
    """Creates the optimizer's slots before loading them, so that training resumes
    where it stopped (Keras skips the state of an optimizer not built yet)."""
    optimizer = getattr(model, "__dict__", {}).get("optimizer")
    if not include_optimizer or optimizer is None or getattr(optimizer, "built", True):
        return
    if model.built and has_optimizer_state(h5file):
        optimizer.build(model.trainable_weights)
