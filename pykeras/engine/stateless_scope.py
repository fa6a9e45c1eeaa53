"""`keras.StatelessScope`: variables read given values and record their
assignments instead of changing.

`pykeras.backend.Variable` consults the active scope on every read
(`numpy()`, `value`, ops taking the variable) and every `assign*`; a model
called inside a scope runs layer by layer (not through a compiled graph,
which reads the variable store directly), so every read sees the scope.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from pykeras._convert import to_float32, to_float64
from pykeras.engine.variable_base import VariableBase
from pykeras.errors import InvalidArgumentError, ShapeError

# Per thread, as Keras's global state: a scope opened on one thread does not
# redirect another thread's variable reads.
_state = threading.local()


class StatelessScope:
    """Scope to prevent any update to Keras Variables.

    The values of variables to be used inside the scope are passed via
    `state_mapping`, a list of `(variable, value)` pairs. Inside the scope,
    reading a mapped variable gives its value in the mapping, and
    `variable.assign(...)` (and `assign_add`/`assign_sub`) records the new
    value in the scope instead of changing the variable: collect it with
    `scope.get_current_value(variable)`.

    Args:
        state_mapping: `(variable, value)` pairs; each value must have its
            variable's shape.
        collect_losses: whether losses layers add (`add_loss`) inside the
            scope are collected in `scope.losses` (otherwise they are
            dropped, as in Keras).
        initialize_variables: Keras initializes variables created inside
            the scope on exit; pykeras variables hold their value from
            creation, so there is nothing left to initialize.

    Example:

    >>> v = keras.Variable(np.zeros((2,)))
    >>> with keras.StatelessScope([(v, np.ones((2,)))]) as scope:
    ...     _ = v.assign_add(np.ones((2,)))
    >>> scope.get_current_value(v)
    array([2., 2.], dtype=float32)
    >>> v.numpy()
    array([0., 0.], dtype=float32)
    """

    def __init__(
        self,
        state_mapping: Iterable[tuple[Any, Any]] | None = None,
        collect_losses: bool = False,
        initialize_variables: bool = True,
    ) -> None:
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses: list[Any] = []
        self.state_mapping: dict[int, Any] = {}
        # The variables themselves, so ids stay valid while the scope lives.
        self._variables: dict[int, Any] = {}
        for k, v in state_mapping or {}:
            if not isinstance(k, VariableBase):
                raise InvalidArgumentError(
                    "Invalid reference variable in StatelessScope: all keys in argument "
                    f"`mapping` must be Variable instances. Received instead: {k}"
                )
            value = _as_value(v, k)
            shape = value_shape(value)
            if shape is not None and shape != tuple(getattr(k, "shape", ())):
                raise ShapeError(
                    "Invalid variable value in StatelessScope: all values in argument "
                    "`mapping` must be tensors with a shape that matches the corresponding "
                    f"variable shape. For variable {k}, received invalid value {value} with "
                    f"shape {shape}."
                )
            self.state_mapping[id(k)] = value
            self._variables[id(k)] = k

    def __enter__(self) -> StatelessScope:
        self.original_scope = get_stateless_scope()
        _state.scope = self
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        _state.scope = self.original_scope

    def add_loss(self, loss: Any) -> None:
        """Collects a loss added inside the scope."""
        self.losses.append(loss)

    def add_update(self, update: tuple[Any, Any]) -> None:
        """Records `variable := value` (an assignment made inside the scope)."""
        variable, value = update
        self.state_mapping[id(variable)] = value
        self._variables[id(variable)] = variable

    def get_current_value(self, variable: Any) -> Any:
        """The variable's value in this scope (mapped or assigned), or None."""
        return self.state_mapping.get(id(variable), None)


def value_shape(value: Any) -> tuple[int | None, ...] | None:
    """The shape of a mapped value (an array or a traced tensor)."""
    shape = getattr(value, "shape", None)
    return None if shape is None else tuple(shape)


def _as_value(value: Any, variable: Any) -> Any:
    """A mapped value as variables hold it: arrays of the variable's dtype
    (float32, or float64 for a float64 variable); a tensor of a trace or a
    tape stays one (its reads become graph or tape inputs)."""
    if isinstance(value, VariableBase):
        return value.numpy()  # type: ignore[attr-defined]  # every variable has numpy()
    if hasattr(value, "tracer"):
        return value
    what = f"the StatelessScope value of variable '{variable.path}'"
    if getattr(variable, "dtype", None) == "float64":
        return to_float64(value, what)
    return to_float32(value, what)


def in_stateless_scope() -> bool:
    """Whether a `StatelessScope` is active on this thread."""
    return getattr(_state, "scope", None) is not None


def get_stateless_scope() -> StatelessScope | None:
    """The innermost active `StatelessScope` of this thread, or None."""
    return getattr(_state, "scope", None)


def scoped_value(variable: Any) -> Any:
    """The active scope's value for `variable`, or None (no scope, or the
    variable is neither mapped nor assigned in it)."""
    scope = getattr(_state, "scope", None)
    if scope is None:
        return None
    return scope.state_mapping.get(id(variable))


def record_assignment(variable: Any, value: Any) -> bool:
    """Records `variable.assign(value)` in the active scope; False if none is active."""
    scope = getattr(_state, "scope", None)
    if scope is None:
        return False
    scope.add_update((variable, value))
    return True
