"""pykeras.regularizers: weight penalties added to the loss during training."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from pykeras import ops
from pykeras.initializers.initializer import lookup, serialize_object

if TYPE_CHECKING:
    # What `regularizers.get` resolves: a name, a config dict, an instance or
    # class, or any callable `(x) -> penalty`.
    RegularizerLike = Union[
        str, dict[str, Any], "Regularizer", type["Regularizer"], Callable[..., Any], None
    ]
    from typing_extensions import Self

    from pykeras.engine.typing import Tensor, TensorLike


class Regularizer:
    """Base class: `regularizer(x)` is the penalty, built from `pykeras.ops` so
    that training adds it to the loss graph and differentiates it there."""

    def __call__(self, x: TensorLike) -> Tensor | float:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x: TensorLike) -> Tensor | float:
        penalty = 0.0
        if self.l1:
            penalty = penalty + ops.multiply(self.l1, ops.sum(ops.abs(x)))
        if self.l2:
            penalty = penalty + ops.multiply(self.l2, ops.sum(ops.square(x)))
        return penalty

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """`l2 * sum(x**2)`."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Encourages the rows (or columns) of a 2D weight to be orthogonal.

    The penalty is `factor * 0.5 * sum(|p_ij|) / (n * (n - 1) / 2)` over the
    off-diagonal entries `p_ij` of the Gram matrix of the L2-normalized rows
    (`mode="rows"`) or columns (`mode="columns"`), `n` of them.

    Args:
        factor: a non-negative float, the penalty's weight.
        mode: `"rows"` or `"columns"`.

    Example:

    >>> reg = pykeras.regularizers.OrthogonalRegularizer(factor=0.01)
    >>> layer = pykeras.layers.Dense(4, kernel_regularizer=reg)
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        # Keras keeps the factor as a float32 tensor: its config reads it back so.
        self.factor = float(np.float32(_non_negative(factor, "factor")))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                f"Received: mode={mode}"
            )
        self.mode = mode

    def __call__(self, x: Any) -> Tensor | float:
        shape = tuple(x.shape)
        if len(shape) != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={shape}"
            )
        if self.mode == "rows":
            x = ops.normalize(x, axis=1)
            product = ops.matmul(x, ops.transpose(x))
            size = shape[0]
        else:
            x = ops.normalize(x, axis=0)
            product = ops.matmul(ops.transpose(x), x)
            size = shape[1]
        off_diagonal = ops.multiply(product, 1.0 - ops.eye(size))
        num_pairs = size * (size - 1.0) / 2.0
        total = ops.sum(ops.absolute(off_diagonal))
        return ops.divide(ops.multiply(self.factor * 0.5, total), num_pairs)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


def _non_negative(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (float, int))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float."
            f"Received: {name}={value}"
        )
    return float(value)


_TABLE = {
    "Regularizer": Regularizer, "L1L2": L1L2, "L1": L1, "L2": L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1_l2": L1L2, "l1": L1, "l2": L2, "orthogonal_regularizer": OrthogonalRegularizer,
}  # fmt: skip


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """Keras's shortcut: an L1L2 regularizer with both penalties."""
    return L1L2(l1=l1, l2=l2)


# Keras's lower-case aliases: `keras.regularizers.l2(0.01)` is an `L2`.
l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer


def get(identifier: RegularizerLike) -> Any:
    """A regularizer from a name, a config dict, an instance or a callable (None stays None).

    Args:
        identifier: `"l2"`, `{"class_name": "L2", "config": {...}}`, a
            `Regularizer`, a callable, or None.
    """
    return lookup(identifier, _TABLE, Regularizer, "regularizer")


def serialize(regularizer: Any) -> dict[str, Any] | None:
    """Keras 3's config dict for `regularizer` (None stays None)."""
    return serialize_object(regularizer, "keras.regularizers")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The regularizer a `serialize` dict describes.

    Args:
        config: `{"class_name": ..., "config": {...}}` (or a name).
        custom_objects: a dict of names to custom regularizer classes.
    """
    return lookup(config, {**_TABLE, **(custom_objects or {})}, Regularizer, "regularizer")


__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
