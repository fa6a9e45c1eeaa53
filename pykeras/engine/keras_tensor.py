"""Symbolic tensors: a shape and a dtype, and the layer call that made them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from pykeras.engine.tensor_operators import TensorOperators, install


@install
class KerasTensor(TensorOperators):
    """A placeholder for a tensor in a model being defined.

    `Input(shape=...)` makes one; calling a layer on one records the call and
    returns new ones. They carry no values.

    Args:
        shape: a tuple of ints, with None for unknown sizes (the batch).
        dtype: the element type's name.
        name: an optional name.
    """

    def __init__(
        self, shape: Sequence[int | None], dtype: str = "float32", name: str | None = None
    ) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        # (layer, node_index, tensor_index): where this tensor came from (the
        # layer is a `pykeras.layers.Layer`, which this module sits below).
        self._keras_history: tuple[Any, int, int] | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        src = ""
        if self._keras_history is not None:
            src = f", created by layer '{self._keras_history[0].name}'"
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{name}{src}>"

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "A symbolic KerasTensor has no value, so it cannot be used as a Python bool "
            "(in `if` or `while`). Use the tensor in layers or ops, or run the model eagerly "
            "(`run_eagerly=True`) for control flow that depends on values."
        )

    def __iter__(self) -> NoReturn:
        raise TypeError(
            f"A symbolic KerasTensor cannot be iterated over. Received: a tensor of shape "
            f"{self.shape}."
        )


def is_keras_tensor(x: object) -> bool:
    """Whether `x` is a symbolic `KerasTensor`."""
    return isinstance(x, KerasTensor)
