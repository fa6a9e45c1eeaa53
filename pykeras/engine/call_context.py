"""The training flag of the outermost call, inherited by nested layer calls
(so `model(x, training=True)` reaches every Dropout inside, as in Keras)."""

from __future__ import annotations

import threading

_state = threading.local()


def current_training() -> bool | None:
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else None


class training_scope:
    """Sets the inherited training flag for the calls inside the `with`."""

    def __init__(self, training: bool | None) -> None:
        self.training = training

    def __enter__(self) -> None:
        if not hasattr(_state, "stack"):
            _state.stack = []
        _state.stack.append(self.training)

    def __exit__(self, *exc: object) -> None:
        _state.stack.pop()


def in_call() -> bool:
    """Whether a layer's call is in progress on this thread."""
    return getattr(_state, "depth", 0) > 0


class outer_call:
    """Counts nested layer calls; `with outer_call() as outermost:` tells a
    layer whether its call is the outermost one (which starts afresh)."""

    def __enter__(self) -> bool:
        depth = getattr(_state, "depth", 0)
        _state.depth = depth + 1
        return depth == 0

    def __exit__(self, *exc: object) -> None:
        _state.depth -= 1
