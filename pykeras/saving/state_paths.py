"""Where each layer's and optimizer's state goes in a Keras 3 weights file.

Keras 3 does not address weights by layer name (names change between two
builds of the same model) but by the path to the object: `layers/dense_1` is
the second Dense in `model.layers`, `optimizer` is the optimizer, `dense1` is
the layer a subclassed model holds in `self.dense1`. This module walks a model
the way Keras 3's `saving_lib._save_state` does and yields `(path, object)`
pairs, so both libraries find the same weights at the same place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pykeras.backend.naming import to_snake_case
from pykeras.layers.layer import Layer
from pykeras.optimizers.optimizer import Optimizer
from pykeras.saving import registry

# Attributes the engine keeps for itself: never part of the saved state.
_ENGINE_ATTRS = frozenset(
    {
        "_inbound_nodes",
        "_own_weights",
        "_layer_cache",
        "input_spec",
        "_nodes",
        "_inputs_struct",
        "_outputs_struct",
        "_flat_inputs",
        "_flat_outputs",
        "_executors",
        "_fast_call",
        "_functional",
        "_seq_layers",
        "_layer_order",
        "_metric_objects",
        "_steps",
        "_compile_args",
        "optimizer",
    }
)


def _is_saveable(obj: Any) -> Any:
    return isinstance(obj, (Layer, Optimizer))


def _holds_saveables(value: Any) -> Any:
    if _is_saveable(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_saveables(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_saveables(v) for v in value.values())
    return False


def _name_key(name: str) -> str:
    # Keras visits private attributes after public ones.
    return f"~{name}" if name.startswith("_") else name


def _children(obj: Any, include_optimizer: Any) -> Any:
    """`(attribute, value)` pairs in Keras's visiting order."""
    models = registry.models()
    graph_models = (models.Functional, models.Sequential)
    children = []
    if isinstance(obj, graph_models):
        # Keras visits the model's layers first for these two.
        children.append(("layers", obj.layers))
    attrs = {
        name: value
        for name, value in vars(obj).items()
        if name not in _ENGINE_ATTRS and _holds_saveables(value)
    }
    if isinstance(obj, models.Model) and not isinstance(obj, graph_models):
        # `layers` is a public property of Keras models, visited in name order.
        attrs.setdefault("layers", obj.layers)
    optimizer = getattr(obj, "__dict__", {}).get("optimizer")
    if include_optimizer and isinstance(obj, models.Model) and _is_saveable(optimizer):
        attrs["optimizer"] = optimizer
    children.extend(sorted(attrs.items(), key=lambda item: _name_key(item[0])))
    return children


def walk(root: Any, include_optimizer: bool = True) -> Iterator[tuple[str, Any]]:
    """Yields `(path, obj)` for `root` and every layer and optimizer below it, in
    Keras's order; the root's path is `""`. Each object appears once (shared
    layers at their first path)."""
    yield from _walk(root, "", set(), include_optimizer)


def _join(path: str, name: str | None) -> Any:
    return f"{path}/{name}" if path else name


def _walk(obj: Any, path: str, visited: Any, include_optimizer: Any) -> Any:
    if id(obj) in visited:
        return
    yield path, obj
    visited.add(id(obj))
    if isinstance(obj, Optimizer):
        return
    for name, child in _children(obj, include_optimizer):
        if _is_saveable(child):
            yield from _walk(child, _join(path, name), visited, include_optimizer)
        elif isinstance(child, (list, tuple, dict)):
            yield from _walk_container(child, _join(path, name), visited, include_optimizer)


def _walk_container(
    container: Any, path: str, visited: Any, include_optimizer: Any, seen_containers: Any = None
) -> Any:
    seen_containers = seen_containers if seen_containers is not None else set()
    if id(container) in seen_containers:
        return
    seen_containers.add(id(container))
    items = container.values() if isinstance(container, dict) else container
    used: dict[str, int] = {}
    for item in items:
        if _is_saveable(item):
            # Named by class, not by the object's name, which varies between builds.
            name = _unique(to_snake_case(type(item).__name__), used)
            yield from _walk(item, _join(path, name), visited, include_optimizer)
        elif isinstance(item, (list, tuple, dict)):
            name = _unique("container", used)
            yield from _walk_container(
                item, _join(path, name), visited, include_optimizer, seen_containers
            )


def _unique(name: str | None, used: Any) -> Any:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def own_variables(obj: Any) -> list[Any]:
    """The variables `obj` itself holds, in Keras's order (trainable ones first)."""
    weights = getattr(obj, "_own_weights", [])
    return [w for w in weights if w.trainable] + [w for w in weights if not w.trainable]
