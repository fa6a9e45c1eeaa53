"""Wrapper: the base of layers that take another layer and augment it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras.layers.layer import Layer
from pykeras.layers.serialization import deserialize_object, serialize_object

if TYPE_CHECKING:
    from typing_extensions import Self


class Wrapper(Layer):
    """Abstract wrapper base class.

    Wrappers take another layer and augment it in various ways:
    `TimeDistributed` and `SpectralNormalization` derive from it. A subclass
    overrides `call` (and `compute_output_shape` if it changes shapes); the
    base builds the wrapped layer on its first input, calls it unchanged and
    saves it in its config under `"layer"`.

    Args:
        layer: The layer to be wrapped.

    Example:

    >>> class Doubled(Wrapper):
    ...     def call(self, inputs):
    ...         return 2 * self.layer(inputs)
    >>> Doubled(keras.layers.Dense(3))(np.ones((2, 4))).shape
    (2, 3)
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer!r} supplied to Wrapper isn't a supported layer type. Please "
                "ensure wrapped layer is a valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return self.layer(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["layer"] = serialize_object(self.layer)
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        config = dict(config)
        layer = deserialize_object(
            config.pop("layer"), custom_objects=custom_objects, kinds=("layers",)
        )
        return cls(layer, **config)
