"""pykeras.constraints: projections applied to weights after each update.

Written with `pykeras.ops`, as Keras writes them with `keras.ops`, so the
training loop traces them into its graph and projects the weights after
every update without returning to Python; called on arrays, they compute
eagerly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union

from pykeras import ops
from pykeras.initializers.initializer import lookup, serialize_object

if TYPE_CHECKING:
    # What `constraints.get` resolves: a name, a config dict, an instance or
    # class, or any callable `(w) -> w`.
    ConstraintLike = Union[
        str, dict[str, Any], "Constraint", type["Constraint"], Callable[..., Any], None
    ]
    from typing_extensions import Self

_EPSILON = 1e-7


class Constraint:
    """Base class: `constraint(w)` returns the projected weights."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)


def _norms(w: Any, axis: int | Sequence[int]) -> Any:
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Caps the norm of the weights along `axis` at `max_value`."""

    def __init__(self, max_value: float = 2, axis: int = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w = ops.convert_to_tensor(w, "float32")
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return w * (desired / (_EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to 0."""

    def __call__(self, w: Any) -> Any:
        w = ops.convert_to_tensor(w, "float32")
        return w * ops.cast(ops.greater_equal(w, 0.0), "float32")


class UnitNorm(Constraint):
    """Scales the weights along `axis` to norm 1."""

    def __init__(self, axis: int = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w = ops.convert_to_tensor(w, "float32")
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the norm along `axis` into [min_value, max_value] at speed `rate`."""

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0
    ) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w: Any) -> Any:
        w = ops.convert_to_tensor(w, "float32")
        norms = _norms(w, self.axis)
        desired = self.rate * ops.clip(norms, self.min_value, self.max_value)
        desired = desired + (1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


_TABLE = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm, "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm,
}  # fmt: skip


# Keras's lower-case aliases: `keras.constraints.max_norm(2.0)` is a `MaxNorm`.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm


def get(identifier: ConstraintLike) -> Any:
    """A constraint from a name, a config dict, an instance or a callable (None stays None).

    Args:
        identifier: `"max_norm"`, `{"class_name": "MaxNorm", "config": {...}}`,
            a `Constraint`, a callable, or None.
    """
    return lookup(identifier, _TABLE, Constraint, "constraint")


def serialize(constraint: Any) -> dict[str, Any] | None:
    """Keras 3's config dict for `constraint` (None stays None)."""
    return serialize_object(constraint, "keras.constraints")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The constraint a `serialize` dict describes.

    Args:
        config: `{"class_name": ..., "config": {...}}` (or a name).
        custom_objects: a dict of names to custom constraint classes.
    """
    return lookup(config, {**_TABLE, **(custom_objects or {})}, Constraint, "constraint")


__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
