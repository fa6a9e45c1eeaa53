"""What a layer accepts: structure, rank, dtype and sizes, checked on every call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.engine.dtypes import standardize_dtype
from pykeras.engine.keras_tensor import standardize_shape
from pykeras.engine.tree import flatten
from pykeras.errors import InvalidArgumentError, ShapeError

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import DTypeLike


class InputSpec:
    """Specifies the rank, dtype and shape of every input to a layer.

    A layer can set `self.input_spec` to an `InputSpec`, or to a nested
    structure of them (one per input tensor); each call of the layer then
    checks its first argument against it (structure, rank, dtype, sizes)
    and raises a `ValueError` naming the layer on a mismatch. A `None`
    entry in a shape is compatible with any size.

    Args:
        dtype: expected dtype of the input.
        shape: expected shape, batch included (None for any size); sets
            `ndim`.
        ndim: expected rank.
        max_ndim: largest rank.
        min_ndim: smallest rank.
        axes: `{axis: size}` sizes that must match (e.g. `{-1: 784}`).
        allow_last_axis_squeeze: if True, inputs of rank N+1 whose last
            axis is 1, and inputs of rank N-1 when the spec's last axis is
            1, are accepted.
        name: the key of this input when inputs are passed as a dict.
        optional: whether the input may be None.

    Example:

    >>> class MyLayer(keras.layers.Layer):
    ...     def __init__(self):
    ...         super().__init__()
    ...         # Accepts inputs of shape (*, 28, 28) and (*, 28, 28, 1).
    ...         self.input_spec = keras.InputSpec(
    ...             shape=(None, 28, 28, 1), allow_last_axis_squeeze=True
    ...         )
    """

    def __init__(
        self,
        dtype: DTypeLike = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: Mapping[Any, int | None] | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ) -> None:
        self.dtype = standardize_dtype(dtype) if dtype is not None else None
        if shape is not None:
            self.shape: tuple[int | None, ...] | None = standardize_shape(shape)
            self.ndim: int | None = len(self.shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}"
            ) from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim or 0) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError(
                    f"Axis {max_axis} is greater than the maximum allowed value: {max_dim}"
                )

    def __repr__(self) -> str:
        spec = [
            f"dtype={self.dtype}" if self.dtype else "",
            f"shape={self.shape}" if self.shape else "",
            f"ndim={self.ndim}" if self.ndim else "",
            f"max_ndim={self.max_ndim}" if self.max_ndim else "",
            f"min_ndim={self.min_ndim}" if self.min_ndim else "",
            f"axes={self.axes}" if self.axes else "",
        ]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self) -> dict[str, Any]:
        """The spec's arguments, as Keras 3 saves them."""
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """An `InputSpec` from its `get_config()` dict."""
        return cls(**config)


def assert_input_compatibility(input_spec: Any, inputs: Any, layer_name: str) -> None:
    """Checks `inputs` (a layer call's first argument) against `input_spec`.

    Args:
        input_spec: an `InputSpec`, a nested structure of them (None
            entries are not checked), or None.
        inputs: a tensor, or a nested structure of tensors.
        layer_name: the layer's name, for the messages.

    Raises:
        ValueError: (`ShapeError` for shapes) the inputs do not match, with
            the layer's name, what was expected and what was received.
    """
    if not input_spec:
        return
    specs = flatten(input_spec)
    if isinstance(inputs, dict):
        # Inputs passed as a dict are ordered by the specs' names.
        names = [spec.name if spec is not None else None for spec in specs]
        if all(names):
            ordered = []
            for name in names:
                if name not in inputs:
                    raise InvalidArgumentError(
                        f'Missing data for input "{name}". You passed a data dictionary with '
                        f"keys {list(inputs.keys())}. Expected the following keys: {names}"
                    )
                ordered.append(inputs[name])
            inputs = ordered
    tensors = flatten(inputs)
    if len(tensors) != len(specs):
        spec_names = [spec.name for spec in specs if spec is not None]
        if len(spec_names) == len(specs) and all(spec_names):
            keys = ", ".join(f"'{n}': ..." for n in spec_names)
            raise InvalidArgumentError(
                f'Layer "{layer_name}" expects {len(specs)} named input(s) with keys '
                f"{spec_names}, but it received {len(tensors)} input tensors. Pass inputs as "
                f"a dict, e.g. `layer({{{keys}}})`."
            )
        raise InvalidArgumentError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(tensors)} input tensors. Inputs received: {tensors}"
        )
    for index, (x, spec) in enumerate(zip(tensors, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        _check_one(spec, x, index, layer_name)


def _shape_and_dtype(x: Any, layer_name: str) -> tuple[tuple[int | None, ...] | None, Any]:
    """The shape (None where a traced value's is unknown) and dtype of one input."""
    if hasattr(x, "shape"):
        shape = x.shape
        return (None if shape is None else tuple(shape)), getattr(x, "dtype", None)
    if isinstance(x, (list, tuple, int, float, bool, str, np.generic)):
        # Lists and scalars are converted eagerly (pykeras accepts them as arrays).
        array = np.asarray(x)
        return tuple(array.shape), array.dtype
    raise InvalidArgumentError(
        f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) as input for "
        f"layer '{layer_name}'."
    )


def _check_one(spec: InputSpec, x: Any, index: int, layer_name: str) -> None:
    shape, dtype = _shape_and_dtype(x, layer_name)
    where = (
        f"Input {index} with name '{spec.name}' of layer '{layer_name}' is incompatible "
        "with the layer"
    )
    if shape is not None:
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ShapeError(
                f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ShapeError(f"{where}: expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ShapeError(
                f"{where}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
    if spec.dtype is not None and dtype is not None:
        found = _input_dtype(dtype)
        if found is not None and found != spec.dtype:
            raise InvalidArgumentError(f"{where}: expected dtype={spec.dtype}, found dtype={found}")
    if shape is None:
        return  # a traced value whose static shape is unknown: the core checks at run time
    for axis, value in spec.axes.items():
        if value is None or not -len(shape) <= axis < len(shape):
            continue
        if shape[axis] not in (value, None):
            raise ShapeError(
                f"{where}: expected axis {axis} of input shape to have value {value}, but "
                f"received input with shape {shape}"
            )
    if spec.shape is not None:
        spec_shape: tuple[int | None, ...] = spec.shape
        if spec.allow_last_axis_squeeze:
            if shape and shape[-1] == 1:
                shape = shape[:-1]
            if spec_shape and spec_shape[-1] == 1:
                spec_shape = spec_shape[:-1]
        for spec_dim, dim in zip(spec_shape, shape):
            if spec_dim is not None and dim is not None and spec_dim != dim:
                raise ShapeError(f"{where}: expected shape={spec.shape}, found shape={shape}")


def _input_dtype(dtype: Any) -> str | None:
    """The Keras dtype an input is checked with: float arrays count as float32,
    the dtype Keras casts float inputs to before checking (the layers' compute
    dtype, the one pykeras computes in)."""
    try:
        name = standardize_dtype(dtype)
    except (ValueError, TypeError):
        return None
    return "float32" if name in ("float16", "bfloat16", "float64") else name
