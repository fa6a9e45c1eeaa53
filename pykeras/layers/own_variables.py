"""A layer's own variables in a weights file, as Keras 3 stores them:
`store["0"]`, `store["1"]`, ..., trainable ones first (the default
`save_own_variables` / `load_own_variables`)."""

from __future__ import annotations

from typing import Any


def own_variables(layer: Any) -> list[Any]:
    """The variables the layer itself created, trainable first."""
    own = [w for w in layer._own_weights if w.trainable]
    return own + [w for w in layer._own_weights if not w.trainable]


def save(layer: Any, store: Any) -> None:
    for i, variable in enumerate(own_variables(layer)):
        store[str(i)] = variable.numpy()


def load(layer: Any, store: Any) -> None:
    own = own_variables(layer)
    if len(store.keys()) != len(own):
        raise ValueError(
            f"Layer '{layer.name}' expected {len(own)} variables, but received "
            f"{len(store.keys())} variables during loading. Expected: "
            f"{[v.name for v in own]}"
        )
    for i, variable in enumerate(own):
        variable.assign(store[str(i)])
