"""Lambda: wraps a Python function as a layer."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras.layers.layer import Layer

if TYPE_CHECKING:
    from typing_extensions import Self


class Lambda(Layer):
    """Wraps an expression of `pykeras.ops` as a layer.

    Args:
        function: a callable of the inputs (plus `arguments`).
        output_shape: optional; the output shape, or a function of the input
            shape. Without it the shape is found by running the function.
        arguments: optional dict of keyword arguments passed to `function`.

    Example:

    >>> Lambda(lambda x: x * 2)(np.ones((1, 2)))
    array([[2., 2.]], dtype=float32)
    """

    def __init__(
        self,
        function: Callable[..., Any],
        output_shape: Any = None,
        mask: Any = None,
        arguments: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Layer '{self.name}' expected `function` to be callable. "
                f"Received: function={function!r}"
            )
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})
        self._takes_training = "training" in inspect.signature(function).parameters
        self.built = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        name = getattr(self.function, "__name__", "<lambda>")
        config.update({"function": name, "arguments": self.arguments})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """Rebuilds the layer; the config must hold the function itself.

        A config from `get_config()` names the function but does not carry its
        code (running stored Python code is unsafe; Keras refuses it by
        default too), so put the callable back under `"function"` first.
        """
        function = config.get("function")
        if not callable(function):
            raise ValueError(
                f"Lambda layer '{config.get('name')}' cannot be rebuilt from its config alone: "
                f"its function is stored by name only (function={function!r}), not as code. "
                "Pass the callable itself: `config['function'] = fn`, then "
                "`Lambda.from_config(config)`."
            )
        return cls(**config)
