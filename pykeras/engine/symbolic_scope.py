"""The symbolic stage: inside it, ops on `KerasTensor`s return new
`KerasTensor`s whose shape and dtype come from each op's rule in the Rust
core, without recording layers or running a kernel. Layers use it to learn
their output from `call` (Keras's `compute_output_spec`); `keras.SymbolicScope`
is its public face."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

# Per thread: one thread's shape inference must not turn another thread's
# Functional model building into spec-only calls.
_state = threading.local()


def active() -> bool:
    """Whether ops on symbolic tensors should only compute output specs."""
    return getattr(_state, "depth", 0) > 0


class SymbolicScope:
    """Scope to indicate the symbolic stage (static shape inference).

    Inside it, calling `keras.ops` functions on `KerasTensor`s computes the
    results' shapes and dtypes only: nothing runs and nothing is recorded in
    a graph. Keras enters it while computing output specs.

    Example:

    >>> x = keras.KerasTensor(shape=(None, 3))
    >>> with keras.SymbolicScope():
    ...     y = keras.ops.sum(x, axis=1)
    >>> y.shape
    (None,)
    """

    def __enter__(self) -> SymbolicScope:
        self.original_scope = get_symbolic_scope()
        _state.scope = self
        _state.depth = getattr(_state, "depth", 0) + 1
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        _state.depth -= 1
        _state.scope = self.original_scope


def in_symbolic_scope() -> bool:
    """Whether a `SymbolicScope` (or shape-only evaluation) is active."""
    return active()


def get_symbolic_scope() -> SymbolicScope | None:
    """The innermost active `SymbolicScope` of this thread, or None."""
    return getattr(_state, "scope", None)


@contextlib.contextmanager
def shapes_only() -> Iterator[None]:
    """Ops on `KerasTensor`s inside this block return specs only."""
    with SymbolicScope():
        yield
