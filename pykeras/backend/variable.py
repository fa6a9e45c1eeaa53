"""Variables: the weights of layers and the state of metrics.

A `Variable` is a handle to a slot of the Rust variable store; every graph
that uses it reads that slot, so models sharing a layer share its weights.

Assigning works in all three places a value can come from:

- eagerly (arrays, or tensors of a recording `GradientTape`), the slot is
  written at once;
- inside a traced step (a `call` or `update_state` lowered into a training
  graph), the assignment becomes a state update of the graph, applied by the
  Rust loop after every step, and later reads in the same step see the new
  value, as they would eagerly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from pykeras import _core
from pykeras._convert import to_float32, to_float64
from pykeras.backend.name_scope import variable_path
from pykeras.engine.dtypes import standardize_dtype
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.stateless_scope import record_assignment, scoped_value
from pykeras.engine.tensor_operators import TensorOperators, install, ops_api
from pykeras.engine.tracing import current_trace, tracer_of_update
from pykeras.engine.variable_base import VariableBase
from pykeras.errors import ShapeError

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, ShapeLike

# `pykeras.initializers.get`: initializers sit layers above variables (they
# draw from `pykeras.random`), so they set it when imported.
_GET_INITIALIZER: Callable[[Any], Any] | None = None


def set_initializer_lookup(get: Callable[[Any], Any]) -> None:
    """Called once by `pykeras.initializers` with its `get`."""
    global _GET_INITIALIZER
    _GET_INITIALIZER = get


@install
class Variable(VariableBase, TensorOperators):
    """A named, mutable float tensor that layers and metrics own.

    Args:
        initializer: the initial value (array-like), or an initializer (name,
            object or callable taking `shape` and `dtype`) with `shape`.
        shape: the shape, when `initializer` is an initializer.
        dtype: `"float64"` keeps a float64 variable (updated in float64 by
            the optimizers that support it); None takes `floatx()`; other
            dtypes (float32, integers, bool) are stored as float32.
        trainable: whether training updates it.
        name: the variable's short name, e.g. `"kernel"`.
        path: the full name, e.g. `"dense/kernel"` (default: `name`).
        regularizer: an optional regularizer whose penalty training adds.
        constraint: an optional projection applied after each update.

    Example:

    >>> v = keras.Variable(np.zeros((2, 3)), name="kernel")
    >>> _ = v.assign_add(np.ones((2, 3)))
    >>> float(v.numpy().sum())
    6.0
    """

    # Makes `ndarray * variable` call `Variable.__rmul__` (an op that a trace
    # or a tape records) rather than numpy's own multiplication.
    __array_priority__ = 100

    def __init__(
        self,
        initializer: Any = None,
        shape: ShapeLike | None = None,
        dtype: DTypeLike = None,
        trainable: bool = True,
        name: str = "variable",
        path: str | None = None,
        regularizer: Any = None,
        constraint: Any = None,
        *,
        value: Any = None,
        **kwargs: Any,
    ) -> None:
        for key in kwargs:
            if key not in ("autocast", "aggregation", "synchronization"):
                raise TypeError(
                    f"Variable() got an unexpected keyword argument '{key}'. Received: {key}=..."
                )
        if value is not None:
            initializer = value
        if initializer is None:
            raise ValueError(
                f"Variable '{name}' needs an initial value. Received: initializer=None"
            )
        if shape is not None and (isinstance(initializer, str) or callable(initializer)):
            assert _GET_INITIALIZER is not None, "pykeras.initializers sets the lookup"
            init = _GET_INITIALIZER(initializer)
            shape = tuple(int(cast(int, d)) for d in shape)
            initializer = init(shape, dtype=self._dtype_of(dtype))
        if isinstance(initializer, Variable):
            initializer = initializer.numpy()
        self._dtype = self._dtype_of(dtype)
        raw = self._cast(initializer, f"variable '{name}'")
        # ascontiguousarray makes a 0-d array 1-d; a scalar variable keeps shape ().
        array = np.ascontiguousarray(raw).reshape(np.shape(raw))
        self._handle = _core.Variable(array)
        self._shape: tuple[int, ...] = tuple(array.shape)
        self.name = name
        # Its name under the name scopes open now (`dense/kernel`), as Keras.
        self.path = path or variable_path(name)
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, a tuple of ints."""
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @staticmethod
    def _dtype_of(dtype: DTypeLike) -> str:
        """The dtype the store keeps: float64 or float32 (for anything else,
        as before float64 variables existed)."""
        try:
            return "float64" if standardize_dtype(dtype) == "float64" else "float32"
        except (TypeError, ValueError):
            return "float32"

    def _cast(self, value: Any, what: str) -> np.ndarray:
        """`value` as an array of the variable's dtype (Keras casts on assign)."""
        if self._dtype == "float64":
            return to_float64(np.asarray(value), what)
        return to_float32(np.asarray(value), what)

    @property
    def dtype(self) -> str:
        """`"float32"` or `"float64"`."""
        return self._dtype

    @property
    def handle(self) -> _core.Variable:
        """The `_core.Variable` that graphs reference."""
        return self._handle

    def numpy(self) -> np.ndarray:
        """A copy of the current value as a numpy array (inside a
        `StatelessScope`, the scope's value for it)."""
        scoped = scoped_value(self)
        if scoped is not None:
            return np.array(scoped, dtype=self._dtype)
        return self._handle.numpy()

    @property
    def value(self) -> Any:
        """The current value: an array eagerly, the graph's tensor in a trace."""
        scoped = scoped_value(self)
        if scoped is not None:
            return scoped
        tracer = current_trace()
        if tracer is not None:
            return tracer.read(self)
        return self.numpy()

    # ------------------------------------------------------------ assigning

    def assign(self, value: Any) -> Variable:
        """Replaces the value; the shape must stay the same.

        Args:
            value: an array, or a tensor of a traced step (then the update
                happens after each step of the compiled loop).

        Returns:
            The variable.
        """
        if isinstance(value, KerasTensor):
            # A symbolic (shape-only) call of a layer assigns nothing.
            return self
        if hasattr(value, "tracer") and record_assignment(self, value):
            return self  # a traced value, kept as the StatelessScope's value
        tracer = tracer_of_update(self, value)
        if tracer is not None:
            tracer.assign(self, value)
            return self
        raw = self._cast(value, f"variable '{self.path}'")
        array = np.ascontiguousarray(raw).reshape(np.shape(raw))
        if tuple(array.shape) != self._shape:
            if array.size == int(np.prod(self._shape)) and array.size == 1:
                array = array.reshape(self._shape)
            else:
                raise ShapeError(
                    f"Variable '{self.path}' has shape {self._shape} and cannot be assigned a "
                    f"value of another shape. Received: value.shape={tuple(array.shape)}"
                )
        if record_assignment(self, array):
            return self  # inside a StatelessScope: recorded there, the variable unchanged
        self._handle.assign(array, self.path)
        return self

    def assign_add(self, value: Any) -> Variable:
        """Adds `value` to the variable (in the graph, inside a traced step)."""
        return self.assign(ops_api().add(self, value))

    def assign_sub(self, value: Any) -> Variable:
        """Subtracts `value` from the variable (in the graph, inside a traced step)."""
        return self.assign(ops_api().subtract(self, value))

    # ------------------------------------------------------------ numpy face

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __float__(self) -> float:
        return float(self.numpy())

    def __int__(self) -> int:
        return int(self.numpy())

    def __len__(self) -> int:
        return self._shape[0] if self._shape else 0

    def __repr__(self) -> str:
        return (
            f"<Variable path={self.path}, shape={self._shape}, dtype={self._dtype}, "
            f"value={np.array2string(self.numpy(), threshold=6, edgeitems=1)}>"
        )
