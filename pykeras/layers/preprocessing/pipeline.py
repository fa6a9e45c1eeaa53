"""Pipeline: applies a list of layers in order, as one layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras.engine import call_context
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor
from pykeras.errors import InvalidArgumentError
from pykeras.layers import serialization
from pykeras.layers.layer import Layer
from pykeras.tree import flatten


class Pipeline(Layer):
    """Applies a series of layers to an input.

    Like a `Sequential` model, but a layer: it takes any data the layers
    take (images, or Keras's dict of images, labels and masks) and is meant
    for preprocessing and augmentation. As with Keras's preprocessing layers,
    `training` defaults to True when the pipeline is called on arrays outside
    a model, so random layers augment; inside a model it follows the
    model's flag.

    Args:
        layers: a list of layers.
        name: the layer's name.

    Example:

    >>> pipeline = Pipeline([keras.layers.AutoContrast(), keras.layers.RandomFlip(seed=1)])
    >>> pipeline(np.random.uniform(0, 9, (2, 4, 4, 3))).shape
    (2, 4, 4, 3)
    """

    def __init__(self, layers: Sequence[Layer], name: str | None = None) -> None:
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(x, Layer) for x in layers):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `layers` should be a list of layers. "
                f"Received: layers={layers!r}"
            )
        self._pipeline_layers = list(layers)
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        """The layers, in the order they apply."""
        return self._pipeline_layers

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outer = call_context.current_training()
        if "training" not in kwargs and outer is None:
            if not any(isinstance(x, (KerasTensor, GraphTensor)) for x in flatten((args, kwargs))):
                # Keras's default on arrays: training=True.
                kwargs["training"] = True
        elif outer is not None and kwargs.get("training") is not None:
            # Inside a model the model's flag wins over one recorded in the
            # graph (Keras files record `training=True` for this layer).
            kwargs["training"] = outer
        return super().__call__(*args, **kwargs)

    def call(self, inputs: Any, training: bool | None = True) -> Any:
        outputs = inputs
        for layer in self._pipeline_layers:
            if layer._call_accepts("training") and training is not None:
                outputs = layer(outputs, training=training)
            else:
                outputs = layer(outputs)
        return outputs

    def get_config(self) -> dict[str, Any]:
        return {
            "layers": [serialization.serialize_object(x) for x in self._pipeline_layers],
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Pipeline:
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise InvalidArgumentError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                f"layers. Received config with layers={layers!r}."
            )
        config = {**config}
        config["layers"] = [serialization.deserialize_object(x) for x in layers]
        return cls(**config)
