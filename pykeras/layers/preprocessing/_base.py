"""The base of the image preprocessing layers: data format, single images
(rank 3) as batches of one, and Keras's training default.

The random layers change data only while training: inside `fit` (traced
with `training=True`), with `layer(x, training=True)`, or when called
directly on arrays with no `training` argument (Keras's default for these
layers is `training=True`). In `predict`, `evaluate` and
`model(x)` they pass their inputs through unchanged. Their draws come from
a `SeedGenerator` (`self.generator`, as Keras names it), so a compiled step
draws new values each step and a seed makes a run repeat.
"""

from __future__ import annotations

from typing import Any

from pykeras.engine import call_context
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor
from pykeras.layers.convolutional._conv_args import data_format_arg
from pykeras.layers.layer import Layer
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.random.seed_generator import SeedGenerator
from pykeras.tree import flatten


class BaseImageLayer(Layer):
    """Image layer over `(batch, H, W, C)` (or channels-first) or single images."""

    random = False

    def __init__(
        self, data_format: str | None = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, self.name)
        self.seed = seed
        if self.random:
            self.generator = SeedGenerator(seed)
        self.built = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outer = call_context.current_training()
        if self.random and "training" not in kwargs and outer is None:
            leaves = flatten((args, kwargs))
            if not any(isinstance(x, (KerasTensor, GraphTensor)) for x in leaves):
                # Called on arrays outside any model: Keras's default, training=True.
                kwargs["training"] = True
        elif self.random and outer is not None and kwargs.get("training") is not None:
            # Inside a model, the model's flag wins over one recorded in the
            # graph, as in Keras's Functional (Keras files record
            # `training=True` for these layers, whose default it is).
            kwargs["training"] = outer
        return super().__call__(*args, **kwargs)

    def _hw_axes(self, rank: int) -> Any:
        offset = 0 if rank == 4 else -1
        if self.data_format == "channels_first":
            return 2 + offset, 3 + offset
        return 1 + offset, 2 + offset

    def _image_size(self, shape: Any) -> Any:
        ha, wa = self._hw_axes(len(shape))
        return shape[ha], shape[wa]

    def _check_rank(self, shape: Any) -> None:
        if len(shape) not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}' expected images of rank 3 (one image) or 4 (a batch). "
                f"Received: inputs.shape={tuple(shape)}"
            )

    def _channels_last_batch(self, x: Any) -> Any:
        """`x` as a channels-last batch, and a function undoing that."""
        shape = C.shape_of(self.name, x)
        self._check_rank(shape)
        single = len(shape) == 3
        if single:
            x = run("reshape", [x], shape=[1, *shape])
        first = self.data_format == "channels_first"
        if first:
            x = run("transpose", [x], axes=[0, 2, 3, 1])

        def restore(y: Any) -> Any:
            if first:
                y = run("transpose", [y], axes=[0, 3, 1, 2])
            if single:
                y = run("reshape", [y], shape=list(C.shape_of(self.name, y))[1:])
            return y

        return x, restore

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        if self.random:
            config["seed"] = self.seed
        return config


def keras_factor(value: Any, layer_name: str, bounds: Any = (-1.0, 1.0)) -> Any:
    """Keras's base `_set_factor`: a number `f` in `bounds` gives
    `(max(-|f|, low), |f|)`; a pair is sorted."""
    low, high = bounds
    message = (
        f"Layer '{layer_name}': the `factor` argument should be a number (or a list of two "
        f"numbers) in the range [{low}, {high}]. Received: factor={value!r}"
    )
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] > high or value[1] < low:
            raise ValueError(message)
        lower, upper = sorted(float(v) for v in value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < low or value > high:
            raise ValueError(message)
        value = abs(float(value))
        lower, upper = max(-value, low), value
    else:
        raise ValueError(message)
    return lower, upper


def symmetric_factor(value: Any, name: str | None, layer_name: str, low_open: bool = False) -> Any:
    """RandomZoom's and RandomTranslation's factors: a number `f` gives
    `(-|f|, |f|)`, a pair is sorted; each value in [-1, 1] (zoom: (-1, 1])."""
    message = (
        f"Layer '{layer_name}': the `{name}` argument should be a number (or a list of two "
        f"numbers) in the range [-1.0, 1.0]. Received: {name}={value!r}"
    )
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(isinstance(v, (int, float)) for v in value):
            raise ValueError(message)
        lower, upper = sorted(float(v) for v in value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        lower, upper = -abs(float(value)), abs(float(value))
    else:
        raise ValueError(message)
    for v in (lower, upper):
        if v > 1.0 or v < -1.0 or (low_open and v == -1.0):
            raise ValueError(message)
    return lower, upper
