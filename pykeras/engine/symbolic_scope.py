"""Shape-only evaluation: inside `shapes_only()`, ops on `KerasTensor`s
return new `KerasTensor`s whose shape and dtype come from each op's rule in
the Rust core, without recording layers or running a kernel. Layers use it
to learn their output from `call` (Keras's `compute_output_spec`)."""

import contextlib
import threading

_state = threading.local()


def active():
    """Whether ops on symbolic tensors should only compute output specs."""
    return getattr(_state, "depth", 0) > 0


@contextlib.contextmanager
def shapes_only():
    """Ops on `KerasTensor`s inside this block return specs only."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
