"""Automatic names, as Keras gives them: `dense`, `dense_1`, `dense_2`, ..."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator

_counts: dict[str, int] = {}
# Names automatic naming skips while a saved model is rebuilt: its layers keep the
# names in its file, and layers made on the way (the parts of a composite op) must
# not take one of them first.
_reserved: set[str] = set()


def to_snake_case(name: str) -> str:
    """`BatchNormalization` -> `batch_normalization`, `Conv2D` -> `conv2d`."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """The next free name for `base`: `base`, then `base_1`, `base_2`, ..."""
    while True:
        count = _counts.get(base, 0)
        _counts[base] = count + 1
        name = base if count == 0 else f"{base}_{count}"
        if name not in _reserved:
            return name


@contextlib.contextmanager
def reserved(names: Iterable[str]) -> Iterator[None]:
    """Within the block, `unique_name` gives none of `names`."""
    added = set(names) - _reserved
    _reserved.update(added)
    try:
        yield
    finally:
        _reserved.difference_update(added)


def reset_names() -> None:
    """Forgets every name given so far (part of `clear_session`)."""
    _counts.clear()
