"""Shape-only evaluation: inside `shapes_only()`, ops on `KerasTensor`s
return new `KerasTensor`s whose shape and dtype come from each op's rule in
the Rust core, without recording layers or running a kernel. Layers use it
to learn their output from `call` (Keras's `compute_output_spec`)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_state = threading.local()


def active() -> bool:
    """Whether ops on symbolic tensors should only compute output specs."""
    return getattr(_state, "depth", 0) > 0


@contextlib.contextmanager
def shapes_only() -> Iterator[None]:
    """Ops on `KerasTensor`s inside this block return specs only."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
