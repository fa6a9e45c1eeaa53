"""Automatic names, as Keras gives them: `dense`, `dense_1`, `dense_2`, ..."""

import re

_counts = {}


def to_snake_case(name):
    """`BatchNormalization` -> `batch_normalization`, `Conv2D` -> `conv2d`."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base):
    """The next free name for `base`: `base`, then `base_1`, `base_2`, ..."""
    count = _counts.get(base, 0)
    _counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Forgets every name given so far (part of `clear_session`)."""
    _counts.clear()
