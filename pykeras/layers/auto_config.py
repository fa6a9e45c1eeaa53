"""Keras 3's automatic config: a layer subclass that does not override
`get_config` still saves and loads when its constructor took only plain
values (str, int, float, bool, None, and lists/tuples/dicts of them), as the
keras-io examples' `TransformerBlock(embed_dim, num_heads, ff_dim)` does."""

from __future__ import annotations

import inspect
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def capture(cls: type[Any], args: Any, kwargs: Any) -> dict | None:
    """The constructor arguments (defaults included, without `name`) when all
    are plain values and can be passed back by keyword; otherwise None."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())[1:]
    if any(p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL) for p in params):
        return None
    bound.apply_defaults()
    values = dict(bound.arguments)
    values.pop(next(iter(signature.parameters)))
    for p in params:
        if p.kind == p.VAR_KEYWORD:
            values.update(values.pop(p.name, {}))
    values.pop("name", None)
    return values if _plain(values) else None


def merge(layer: Any, config: dict) -> dict:
    """`config` plus the captured arguments, for a class whose own
    `get_config` is the base one."""
    captured = getattr(layer, "_auto_config", None)
    if captured:
        for key, value in captured.items():
            config.setdefault(key, value)
    return config
