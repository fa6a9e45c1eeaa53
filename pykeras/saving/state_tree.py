"""A model's state as Keras 3's `Model.get_state_tree()` nests it, and back.

Keras 3 addresses each variable of a state tree by its `path` split at `/`:

    {"trainable_variables": {"seq": {"dense": {"kernel": ..., "bias": ...}}},
     "non_trainable_variables": {...},
     "optimizer_variables": {"adam": {"iteration": ..., "learning_rate": ...,
                                      "seq_dense_kernel_momentum": ...}},
     "metrics_variables": {...}}

This is what Orbax checkpoints hold (`OrbaxCheckpoint`), so a tree pykeras
builds must carry the same paths, shapes and dtypes as Keras's. Keras assigns a
tree back by exact path and silently skips what does not match; pykeras also
tries the path with the model's name added or removed (a Sequential rebuilt from
its config names its variables `dense/kernel`, one built by its constructor
`seq/dense/kernel`: Keras's own `load_model` of such a checkpoint restores
nothing) and refuses a tree that leaves a trainable variable without a value.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from pykeras.errors import FileFormatError

STATE_KEYS = (
    "trainable_variables",
    "non_trainable_variables",
    "optimizer_variables",
    "metrics_variables",
)


def _nest(pairs: Iterable[tuple[str, Any]], what: str) -> dict[str, Any]:
    """`{"a": {"b": value}}` from `("a/b", value)` pairs; a path seen twice is refused."""
    nested: dict[str, Any] = {}
    seen: set[str] = set()
    for path, value in pairs:
        if path in seen:
            raise ValueError(
                f"The following variable path is found twice in the model's {what}: '{path}'. "
                "A state tree needs unique variable paths: give unique names to your layers "
                "(and other objects)."
            )
        seen.add(path)
        node = nested
        parts = path.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """`{"a/b": value}` from `{"a": {"b": value}}` (the inverse of nesting)."""
    flat: dict[str, Any] = {}
    if not isinstance(tree, dict):
        return flat
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _variable_values(variables: Iterable[Any]) -> Iterator[tuple[str, np.ndarray]]:
    for v in variables:
        yield str(v.path), np.array(v.numpy(), copy=True)


def _optimizer(model: Any) -> Any:
    # Read from the instance: `model.optimizer` of an uncompiled model may raise.
    return getattr(model, "__dict__", {}).get("optimizer")


def get_state_tree(model: Any, weights_only: bool = False) -> dict[str, Any]:
    """The state of `model` as Keras 3's `model.get_state_tree()` (numpy values).

    Args:
        model: a built model.
        weights_only: only `trainable_variables` and `non_trainable_variables`,
            as `OrbaxCheckpoint(save_weights_only=True)` saves.

    Returns:
        A dict of nested dicts of numpy arrays, keyed as `STATE_KEYS`.
        `metrics_variables` is empty: compiled metrics keep their running
        totals inside the compiled step, and Keras resets them each epoch.
    """
    tree = {
        "trainable_variables": _nest(
            _variable_values(model.trainable_variables), "trainable variables"
        ),
        "non_trainable_variables": _nest(
            _variable_values(model.non_trainable_variables), "non-trainable variables"
        ),
    }
    if weights_only:
        return tree
    optimizer = _optimizer(model)
    pairs: list[tuple[str, Any]] = []
    if optimizer is not None:
        # One read of the whole state: each OptimizerVariable.numpy() reads it all.
        values = optimizer.get_weights() if optimizer.built else []
        variables = optimizer.variables if optimizer.built else []
        for variable, value in zip(variables, values):
            pairs.append((str(variable.path), np.array(value, dtype=variable.dtype, copy=True)))
    tree["optimizer_variables"] = _nest(pairs, "optimizer variables")
    tree["metrics_variables"] = {}
    return tree


def _candidates(path: str, model_name: str, optimizer: bool) -> Iterator[str]:
    """`path`, then the same path with the model's name prefix toggled."""
    yield path
    if optimizer:
        # `adam/seq_dense_kernel_momentum` <-> `adam/dense_kernel_momentum`
        head, sep, leaf = path.partition("/")
        if not sep:
            return
        prefix = f"{model_name}_"
        yield (
            f"{head}/{leaf[len(prefix) :]}" if leaf.startswith(prefix) else f"{head}/{prefix}{leaf}"
        )
    else:
        prefix = f"{model_name}/"
        yield path[len(prefix) :] if path.startswith(prefix) else prefix + path


def _lookup(flat: dict[str, Any], path: str, model_name: str, optimizer: bool) -> Any:
    for candidate in _candidates(path, model_name, optimizer):
        if candidate in flat:
            return flat[candidate]
    return None


def _checked(value: Any, variable: Any, source: str) -> np.ndarray:
    array = np.asarray(value)
    shape = tuple(int(d) for d in variable.shape)
    if array.shape != shape:
        raise FileFormatError(
            f"Cannot load {source}: variable '{variable.path}' has shape {shape}, but the "
            f"checkpoint's value has shape {array.shape}."
        )
    return array


def _assign_variables(
    variables: list[Any], flat: dict[str, Any], model: Any, source: str, required: bool
) -> list[str]:
    missing = []
    for variable in variables:
        value = _lookup(flat, str(variable.path), model.name, optimizer=False)
        if value is None:
            missing.append(str(variable.path))
            continue
        variable.assign(_checked(value, variable, source))
    if missing and required:
        raise FileFormatError(
            f"Cannot load {source} into model '{model.name}': it holds no value for the "
            f"variables {missing[:5]}{' ...' if len(missing) > 5 else ''}. The checkpoint's "
            f"variables are {sorted(flat)[:8]}{' ...' if len(flat) > 8 else ''}. Variables are "
            "matched by path (`variable.path`), so the layers must have the same names."
        )
    return missing


def _assign_optimizer(model: Any, flat: dict[str, Any], source: str) -> None:
    optimizer = _optimizer(model)
    if optimizer is None or not flat:
        return
    heads = {path.split("/", 1)[0] for path in flat}
    if len(heads) == 1 and optimizer.name not in heads:
        # One optimizer under another name: the second Adam of a process is
        # `adam_1`, so the name a checkpoint was written under is an accident
        # of its process (Keras skips the whole state then).
        (head,) = heads
        flat = {f"{optimizer.name}{path[len(head) :]}": value for path, value in flat.items()}
    slots = [p for p in flat if p.rsplit("/", 1)[-1] not in ("iteration", "learning_rate")]
    if not optimizer.built and slots and model.built:
        # Keras skips the slots of an optimizer not built yet; building it first
        # lets training resume where the checkpoint stopped.
        optimizer.build(model.trainable_weights)
    if not optimizer.built:
        return
    variables = optimizer.variables
    values = list(optimizer.get_weights())
    missing = []
    for i, variable in enumerate(variables):
        value = _lookup(flat, str(variable.path), model.name, optimizer=True)
        if value is None:
            missing.append(str(variable.path))
            continue
        values[i] = _checked(value, variable, source).astype(np.asarray(values[i]).dtype)
    if missing:
        warnings.warn(
            f"{source} holds no value for the optimizer variables {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''} of optimizer '{optimizer.name}': they keep "
            "their current values.",
            stacklevel=4,
        )
    optimizer.set_weights(values)


def set_state_tree(
    model: Any, tree: dict[str, Any], source: str = "the state tree", skip_mismatch: bool = False
) -> None:
    """Assigns a state tree (as `get_state_tree` or Keras 3 makes it) to `model`.

    Variables are matched by path. Entries of the tree the model does not have
    are ignored, as in Keras; a trainable variable of the model with no value in
    the tree is an error unless `skip_mismatch` (then a warning).

    Args:
        model: a built model.
        tree: a dict keyed by some of `STATE_KEYS`.
        source: what the tree came from, for error messages.
        skip_mismatch: warn instead of raising for trainable variables the tree
            has no value for.

    Raises:
        FileFormatError: (a `ValueError`) an unknown top-level key, a value of
            the wrong shape, or a missing trainable variable.
    """
    unknown = sorted(set(tree) - set(STATE_KEYS))
    if unknown:
        raise FileFormatError(
            f"Cannot load {source}: unknown state keys {unknown}; expected some of "
            f"{list(STATE_KEYS)}."
        )
    trainable = flatten(tree.get("trainable_variables", {}))
    missing = _assign_variables(
        list(model.trainable_variables), trainable, model, source, not skip_mismatch
    )
    if missing:
        warnings.warn(
            f"Skipping variables {missing[:5]} of model '{model.name}': {source} holds no "
            "value for them.",
            stacklevel=3,
        )
    non_trainable = flatten(tree.get("non_trainable_variables", {}))
    _assign_variables(list(model.non_trainable_variables), non_trainable, model, source, False)
    _assign_optimizer(model, flatten(tree.get("optimizer_variables", {})), source)
    # `metrics_variables` hold the running totals of the epoch a checkpoint was
    # written in; Keras resets them when the next epoch starts, and pykeras keeps
    # compiled metrics' totals inside the compiled step, so there is nothing to set.
