"""Sequential: a plain stack of layers, one input and one output each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.layers.input_layer import InputLayer
from pykeras.layers.layer import Layer, _shape_of
from pykeras.models.functional import Functional, SymbolicStructure
from pykeras.models.model import Model
from pykeras.saving.functional_config import layer_entry
from pykeras.saving.object_registration import CustomObjectScope
from pykeras.saving.serialization_lib import deserialize_keras_object

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import Shape, ShapeLike


class Sequential(Model):
    """Groups a linear stack of layers into a model.

    Args:
        layers: optional list of layers to add.
        trainable: whether the model's weights are trainable.
        name: the model's name.

    The input shape comes from an `Input` as the first entry, from
    `input_shape=` / `input_dim=` on the first layer, from `build(input_shape)`,
    or from the first data the model sees.

    Example:

    >>> model = Sequential([
    ...     keras.Input(shape=(3,)),
    ...     keras.layers.Dense(64, activation="relu"),
    ...     keras.layers.Dense(10),
    ... ])
    >>> model.count_params()
    906
    """

    def __init__(
        self,
        layers: Sequence[Layer | KerasTensor] | None = None,
        trainable: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self._seq_layers: list[Layer] = []
        self._functional: Functional | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    @property
    def layers(self) -> list[Layer]:
        """The model's layers, without its InputLayer (as Keras shows them)."""
        return [layer for layer in self._seq_layers if not isinstance(layer, InputLayer)]

    def _sublayers(self) -> list[Layer]:
        return self.layers

    def add(self, layer: Layer | KerasTensor, rebuild: bool = True) -> None:
        """Adds a layer on top of the stack.

        Args:
            layer: a layer, or a tensor from `keras.Input` (which sets the input shape).
        """
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            origin = layer._keras_history[0]
            if isinstance(origin, InputLayer):
                layer = origin
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer) and self._seq_layers:
            raise ValueError(
                f"Sequential model '{self.name}' already has layers; an Input can only be "
                "its first entry."
            )
        for existing in self._seq_layers:
            if existing.name == layer.name:
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name "
                    f'"{layer.name}" is already the name of a layer in this model. Update the '
                    "`name` argument to pass a unique name."
                )
        self._seq_layers.append(layer)
        if rebuild:
            self._rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes the last layer and returns it."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        if rebuild:
            self._rebuild()
        return layer

    def _input_layer(self) -> InputLayer | None:
        if not self._seq_layers:
            return None
        first = self._seq_layers[0]
        if isinstance(first, InputLayer):
            return first
        if first._batch_input_shape is not None:
            # Keras 2 style `input_shape=` / `input_dim=` on the first layer.
            layer = InputLayer(batch_shape=first._batch_input_shape)
            self._seq_layers.insert(0, layer)
            return layer
        return None

    def _rebuild(self) -> None:
        """Connects the stack into a Functional graph once the input shape is known."""
        self._invalidate()
        self._functional = None
        self.built = False
        input_layer = self._input_layer()
        if input_layer is None or not self.layers:
            return
        x = input_layer.output_tensor
        # Inside the model's name scope: weights are `sequential/dense/kernel`.
        with self._open_name_scope():
            for layer in self.layers:
                x = layer(x)
        self._functional = Functional(input_layer.output_tensor, x, name=self.name)
        self.built = True

    def build(self, input_shape: ShapeLike | None = None) -> None:
        """Creates the weights for inputs of `input_shape` (batch axis included)."""
        if self._functional is not None:
            return
        if input_shape is None:
            raise ValueError(
                f"Sequential model '{self.name}' needs an input shape to build; pass "
                "`input_shape` (e.g. `(None, 3)`) or add an Input first."
            )
        self._seq_layers.insert(0, InputLayer(batch_shape=tuple(input_shape)))
        self._rebuild()

    def _maybe_build(self, inputs: Any) -> None:
        if self._functional is None:
            self.build(_shape_of(inputs))

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if self._functional is None:
            self._maybe_build(inputs)
        if self._functional is None:
            raise ValueError(f"Sequential model '{self.name}' has no layers to call.")
        return self._functional.call(inputs, training=training)

    def _flatten_data(self, x: Any) -> tuple[Any, list[Any]]:
        if isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]
        if self._functional is not None:
            # Data one rank short of the Input (or one longer) adjusted as Keras does.
            return x, self._functional._adjust_input_ranks([x])
        return x, [x]

    # ------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        """Keras 3's Sequential config: `name`, `trainable`, `dtype`, `layers` (the
        InputLayer first, when the input shape is known) and `build_input_shape`."""
        config: dict[str, Any] = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self.dtype,
            "layers": [layer_entry(layer) for layer in self._seq_layers],
        }
        if self._functional is not None and isinstance(self._seq_layers[0], InputLayer):
            config["build_input_shape"] = list(self._seq_layers[0].batch_shape)
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any] | list[Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        """Rebuilds a Sequential model from a Keras 3, tf.keras 2 or pykeras config
        (tf.keras 2's first layer may carry `batch_input_shape`)."""
        if isinstance(config, list):
            # Keras 1 and early Keras 2 stored a Sequential as its list of layers.
            config = {"layers": config}
        if not isinstance(config.get("layers"), list):
            raise ValueError(
                "A Sequential model config must be a dict with a 'layers' list. "
                f"Received: config={config!r}"
            )
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        with CustomObjectScope(custom_objects or {}):
            for layer_config in config["layers"]:
                layer = deserialize_keras_object(
                    layer_config, custom_objects=custom_objects, kinds=("layers", "models")
                )
                model.add(layer, rebuild=False)
        model._rebuild()
        build_input_shape = config.get("build_input_shape")
        if model._functional is None and isinstance(build_input_shape, (list, tuple)):
            model.build(tuple(build_input_shape))
        return model

    @property
    def inputs(self) -> list[KerasTensor] | None:
        return self._functional.inputs if self._functional else None

    @property
    def outputs(self) -> list[KerasTensor] | None:
        return self._functional.outputs if self._functional else None

    @property
    def input(self) -> SymbolicStructure:
        return self._functional.input if self._functional else super().input

    @property
    def output(self) -> SymbolicStructure:
        return self._functional.output if self._functional else super().output

    @property
    def input_shape(self) -> Shape | list[Shape] | None:
        return self._functional.input_shape if self._functional else None

    @property
    def output_shape(self) -> Shape | list[Shape] | None:
        return self._functional.output_shape if self._functional else None
