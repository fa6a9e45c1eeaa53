"""InputLayer and `Input()`: the entry points of a Functional model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import config as pykeras_config
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.node import Node
from pykeras.layers.layer import Layer

if TYPE_CHECKING:
    from typing_extensions import Self


class InputLayer(Layer):
    """The layer behind `Input()`: it holds a model input's shape.

    Args:
        shape: the shape of one sample (without the batch axis).
        batch_size: a fixed batch size, or None.
        dtype: the input's dtype (default `floatx()`; float64, or an integer
            type for ids).
        batch_shape: the full shape including the batch axis (instead of
            `shape` and `batch_size`).
        name: the input's name (used to match dict inputs).
    """

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        batch_shape: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("sparse", None)
        kwargs.pop("ragged", None)
        if "input_shape" in kwargs and shape is None and batch_shape is None:
            shape = kwargs.pop("input_shape")
        super().__init__(name=name, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "An Input needs a shape: pass `shape` (one sample, e.g. `shape=(784,)`) "
                    "or `batch_shape`. Received: shape=None"
                )
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        for d in batch_shape[1:]:
            if d is not None and (not isinstance(d, int) or d < 0):
                raise ValueError(
                    f"Input '{self.name}' expected a shape of non-negative ints or None. "
                    f"Received: shape={tuple(batch_shape[1:])}"
                )
        self.batch_shape = tuple(batch_shape)
        if dtype is None:
            dtype = pykeras_config.floatx()
        self.input_dtype = str(getattr(dtype, "name", dtype))
        self.built = True
        tensor = KerasTensor(self.batch_shape, dtype=self.input_dtype, name=self.name)
        Node(self, (), {}, tensor)
        self.output_tensor = tensor

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.batch_shape

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_shape": list(self.batch_shape),
            "dtype": self.input_dtype,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        config = dict(config)
        if "batch_input_shape" in config and "batch_shape" not in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        config.pop("sparse", None)
        config.pop("ragged", None)
        return cls(**config)


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    batch_shape: Any = None,
    name: str | None = None,
    **kwargs: Any,
) -> KerasTensor:  # noqa: N802
    """Creates a symbolic input for a Functional model.

    Args:
        shape: the shape of one sample, e.g. `(784,)`; None for a variable size.
        batch_size: a fixed batch size, or None.
        dtype: `floatx()` (default: float32), float64, or an integer type for
            token/class ids.
        batch_shape: the full shape including the batch axis.
        name: the input's name.

    Returns:
        A `KerasTensor`.

    Example:

    >>> inputs = Input(shape=(3,), name="my_input")
    >>> inputs.shape
    (None, 3)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        batch_shape=batch_shape,
        name=name,
        **kwargs,
    )
    return layer.output_tensor
