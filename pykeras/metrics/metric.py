"""The Metric base class.

Two kinds of metrics share it:

- Keras's own kind: a subclass creates state with `add_variable` (or
  `add_weight`) and overrides `update_state`, `result` and, if needed,
  `reset_state`. Inside a compiled step, `update_state`'s `assign_add`s
  become state updates of the Rust graph, applied after every step.
- pykeras's built-in metrics say what one batch adds to each state
  (`batch_state`, built from `pykeras.ops`, so the trainer computes it in
  the training graph) and how the summed states become the result
  (`result_from`, in numpy); the trainer sums the states in float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import initializers
from pykeras.backend.name_scope import name_scope
from pykeras.backend.naming import to_snake_case
from pykeras.backend.variable import Variable
from pykeras.engine.step_trace import MetricResult, recorder_of
from pykeras.engine.tracing import GraphTensor, current_trace
from pykeras.engine.tree import flatten

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import DTypeLike
    from pykeras.initializers.initializer import InitializerLike


class Metric:
    """Base class of streaming metrics.

    Args:
        name: the metric's name (the key in logs and History).
        dtype: accepted for Keras compatibility; pykeras computes in float32.

    Example:

    ```python
    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(ops.cast(y_true, "int32") == ops.cast(y_pred, "int32"), "float32")
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives.value
    ```
    """

    def __init__(self, name: str | None = None, dtype: DTypeLike = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype
        self._states: list[np.ndarray] | None = None
        self._variables: list[Variable] = []
        self._initial_values: list[np.ndarray] = []

    if TYPE_CHECKING:
        # The built-in metrics sum per-batch states: they define these two
        # (`_sums_batch_states` tells them apart from user metrics).
        def batch_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any: ...
        def result_from(self, states: list[np.ndarray]) -> Any: ...

    # ------------------------------------------------------------ state

    def add_variable(
        self,
        shape: Sequence[int] = (),
        initializer: InitializerLike = "zeros",
        dtype: DTypeLike = None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> Variable:
        """Creates a state variable of this metric.

        Args:
            shape: the variable's shape.
            initializer: an initializer name, object or callable.
            dtype: accepted for Keras compatibility (float32).
            aggregation: accepted for Keras compatibility.
            name: the variable's name.

        Returns:
            The new (non-trainable) `Variable`.
        """
        name = name or f"variable_{len(self._variables)}"
        shape = tuple(int(d) for d in (shape or ()))
        init = initializers.get(initializer)
        value = np.asarray(init(shape, dtype="float32") if callable(init) else init, np.float32)
        # Keras opens the metric's name scope (with `/` written as `>`).
        with name_scope(self.name.replace("/", ">"), caller=self):
            variable = Variable(value.reshape(shape), trainable=False, name=name)
        self._variables.append(variable)
        self._initial_values.append(value.reshape(shape).copy())
        return variable

    def add_weight(
        self,
        shape: Sequence[int] = (),
        initializer: InitializerLike = "zeros",
        dtype: DTypeLike = None,
        name: str | None = None,
    ) -> Variable:
        """Creates a state variable (Keras's older spelling of `add_variable`)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """The metric's state variables."""
        return list(self._variables)

    def _sums_batch_states(self) -> Any:
        return hasattr(self, "batch_state")

    # ------------------------------------------------------------ Keras API

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Adds one batch: eagerly on arrays, or into a traced step's graph."""
        if not self._sums_batch_states():
            raise TypeError(
                f"Metric '{self.name}' ({type(self).__name__}) must override `update_state()` "
                "to update the variables made with `add_variable()`."
            )
        y_true = args[0] if args else kwargs.get("y_true")
        y_pred = args[1] if len(args) > 1 else kwargs.get("y_pred")
        sample_weight = args[2] if len(args) > 2 else kwargs.get("sample_weight")
        contributions = self.batch_state(y_true, y_pred, sample_weight)
        tracer = _graph_tracer(contributions)
        if tracer is not None:
            recorder_of(tracer).report(self, contributions)
            return
        self.add_states(contributions)

    def add_states(self, states: Any) -> None:
        """Adds already-computed batch states (the trainer's path)."""
        states = [np.asarray(s, np.float64) for s in states]
        if self._states is None:
            self._states = states
        else:
            self._states = [a + b for a, b in zip(self._states, states)]

    def result(self) -> Any:
        """The current value: a Python float for the built-in metrics."""
        if not self._sums_batch_states():
            raise TypeError(
                f"Metric '{self.name}' ({type(self).__name__}) must override `result()` to "
                "compute its value from its variables."
            )
        if current_trace() is not None:
            # Known once the compiled loop has run the step.
            return MetricResult(self)
        states = self._states
        if states is None:
            states = self._empty_states()
            if states is None:
                return 0.0
        value = np.asarray(self.result_from([np.asarray(s, np.float64) for s in states]))
        # One value per threshold or class (Precision at several thresholds,
        # F1Score without averaging) is an array, as in Keras.
        return float(value) if value.ndim == 0 else value.astype(np.float32)

    def _empty_states(self) -> list[np.ndarray] | None:
        """The states before any batch (None: the result is then 0.0)."""
        return None

    def reset_state(self) -> None:
        """Forgets every batch seen (variables go back to their initial values)."""
        self._states = None
        for variable, value in zip(self._variables, self._initial_values):
            variable.assign(value)

    def reset_states(self) -> None:
        """Keras 2's name of `reset_state`."""
        self.reset_state()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _graph_tracer(values: Any) -> Any:
    """The graph tracer of traced `values` (or the active trace), else None."""
    for v in flatten(values):
        if (
            isinstance(v, GraphTensor)
            and hasattr(v.tracer, "graph")
            and v.tracer is current_trace()
        ):
            return v.tracer
    return current_trace()


def divide_no_nan(a: Any, b: Any) -> np.ndarray:
    """`a / b`, 0 where `b` is 0 (as Keras's divide_no_nan)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))
