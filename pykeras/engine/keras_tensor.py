"""Symbolic tensors: a shape and a dtype, and the layer call that made them."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, NoReturn

from pykeras.engine.dtypes import standardize_dtype
from pykeras.engine.tensor_operators import TensorOperators, install, ops_api

# Automatic names `keras_tensor`, `keras_tensor_1`, ... as Keras gives them.
# (Layer names are counted in `backend.naming`, a layer above the engine.)
_names = itertools.count()


def _auto_name() -> str:
    count = next(_names)
    return "keras_tensor" if count == 0 else f"keras_tensor_{count}"


def standardize_shape(shape: Any) -> tuple[int | None, ...]:
    """`shape` as a tuple of non-negative ints and None, as Keras checks it.

    Raises:
        ValueError: `shape` is None, not iterable, or has a dimension that
            is negative or not an int (strings and floats are refused even
            where they would convert).
    """
    if not isinstance(shape, tuple):
        if shape is None:
            raise ValueError("Undefined shapes are not supported.")
        if not hasattr(shape, "__iter__"):
            raise ValueError(f"Cannot convert '{shape}' to a shape.")
    dims: list[int | None] = []
    for d in shape:
        if d is None:
            dims.append(None)
            continue
        if isinstance(d, (str, float)):
            raise ValueError(
                f"Cannot convert '{shape}' to a shape. "
                f"Found invalid dimension '{d}' of type '{type(d)}'. "
            )
        try:
            d = int(d)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"Cannot convert '{shape}' to a shape. "
                f"Found invalid dimension '{d}' of type '{type(d)}'. "
            ) from e
        if d < 0:
            raise ValueError(
                f"Cannot convert '{shape}' to a shape. Negative dimensions are not allowed."
            )
        dims.append(d)
    return tuple(dims)


@install
class KerasTensor(TensorOperators):
    """Symbolic tensor: a shape and a dtype, with no values.

    `keras.Input(shape=...)` makes one; calling a layer, a model, a
    `keras.Operation` or a `keras.ops` function on one returns new ones
    whose shape and dtype come from static shape inference ("a symbolic
    call"). They are the inputs and outputs of Functional models and of
    `keras.Function`.

    Args:
        shape: a tuple of ints, with None for unknown sizes (the batch).
        dtype: the element type's name (default `"float32"`).
        sparse: Keras's sparse tensors; pykeras has none, so True raises.
        ragged: Keras's ragged tensors; pykeras has none, so True raises.
        record_history: whether symbolic calls on this tensor are recorded
            in the graph (`False` gives shape inference only, as Keras).
        name: the tensor's name (default: `keras_tensor`, `keras_tensor_1`, ...).

    Example:

    >>> x = keras.KerasTensor(shape=(3, 4), dtype="float32")
    >>> x.shape
    (3, 4)
    >>> x.dtype
    'float32'
    """

    def __init__(
        self,
        shape: Iterable[int | None],
        dtype: Any = "float32",
        sparse: bool = False,
        ragged: bool = False,
        record_history: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        ragged_rank = kwargs.pop("ragged_rank", None)
        row_splits_dtype = kwargs.pop("row_splits_dtype", None)
        if kwargs:
            raise TypeError(f"Unexpected keyword arguments: {', '.join(kwargs.keys())}")
        if sparse and ragged:
            raise ValueError(
                "KerasTensor cannot have `sparse=True` and `ragged=True` at the same time."
            )
        if sparse or ragged or ragged_rank is not None or row_splits_dtype is not None:
            # Refused rather than ignored: a dense tensor standing in for a
            # sparse or ragged one would change what the model computes.
            kind = "sparse" if sparse else "ragged"
            raise ValueError(
                f"pykeras has no {kind} tensors: a KerasTensor is dense. Pass dense data "
                f"(e.g. pad ragged sequences). Received: sparse={sparse!r}, ragged={ragged!r}"
                + (f", ragged_rank={ragged_rank!r}" if ragged_rank is not None else "")
            )
        self.shape = standardize_shape(shape)
        self.dtype = standardize_dtype(dtype)
        self.record_history = bool(record_history)
        self.name = name or _auto_name()
        # (layer, node_index, tensor_index): where this tensor came from (the
        # layer is a `pykeras.layers.Layer` or a `keras.Operation`, which this
        # module sits below).
        self._keras_history: tuple[Any, int, int] | None = None

    @property
    def ndim(self) -> int:
        """The rank."""
        return len(self.shape)

    @property
    def sparse(self) -> bool:
        """Always False: pykeras's tensors are dense."""
        return False

    @property
    def ragged(self) -> bool:
        """Always False: pykeras's tensors are dense."""
        return False

    @property
    def ragged_rank(self) -> None:
        """None: pykeras's tensors are not ragged."""
        return None

    @property
    def row_splits_dtype(self) -> None:
        """None: pykeras's tensors are not ragged."""
        return None

    def reshape(self, newshape: Any) -> Any:
        """`keras.ops.reshape(self, newshape)`."""
        return ops_api().reshape(self, newshape)

    def squeeze(self, axis: Any = None) -> Any:
        """`keras.ops.squeeze(self, axis)`."""
        return ops_api().squeeze(self, axis=axis)

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, "
            f"ragged=False, name={self.name}>"
        )

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
