"""Argument checks shared by layers, with Keras-style messages."""

from __future__ import annotations

from typing import Any


def positive_int(value: Any, arg: str, layer_name: str) -> int:
    """`value` as a positive int; integral floats (e.g. `units / 4`) are accepted."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Layer '{layer_name}' received an invalid value for `{arg}`, expected a positive "
            f"integer. Received: {arg}={value!r}"
        )
    return value


def int_tuple(
    value: Any, n: int, arg: str, layer_name: str, allow_zero: bool = False
) -> tuple[int, ...]:
    """An int or a tuple of `n` ints, as a tuple of `n` positive (or >= 0) ints."""
    values = (value,) * n if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(int(v) for v in values)
    except TypeError:
        values = None
    low = 0 if allow_zero else 1
    if values is None or len(values) != n or any(v < low for v in values):
        raise ValueError(
            f"Layer '{layer_name}' expected `{arg}` to be an int or a tuple of {n} "
            f"{'non-negative' if allow_zero else 'positive'} ints. Received: {arg}={value!r}"
        )
    return values
