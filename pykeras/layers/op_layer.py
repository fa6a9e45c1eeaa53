"""Op layers: the layer a Functional model records when an op (`x + y`,
`ops.concatenate`, ...) is applied directly to symbolic tensors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pykeras.backend.naming import unique_name
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.layers.layer import Layer
from pykeras.ops import _dispatch
from pykeras.ops._dispatch import output_spec, run

if TYPE_CHECKING:
    from typing_extensions import Self


class OpLayer(Layer):
    """Applies one primitive op; non-tensor operands are held as constants.

    Args:
        op_name: the primitive op's name.
        template: the op's inputs as given; KerasTensors mark where the
            layer's inputs go.
        index_inputs: positions of index (int64) inputs.
        attrs: the op's attributes.
    """

    def __init__(
        self,
        op_name: str,
        template: Sequence[Any],
        index_inputs: Sequence[int],
        attrs: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(name=kwargs.pop("name", None) or _op_layer_name(op_name), **kwargs)
        self.op_name = op_name
        self._slots = [isinstance(x, KerasTensor) for x in template]
        self._constants = [None if isinstance(x, KerasTensor) else x for x in template]
        self.index_inputs = tuple(index_inputs)
        self.attrs = dict(attrs)
        self.built = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        tensors = iter(inputs)
        operands: list[Any] = [
            next(tensors) if slot else c for slot, c in zip(self._slots, self._constants)
        ]
        return run(
            self.op_name, operands, self.index_inputs, training_mode=bool(training), **self.attrs
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = [input_shape] if _is_shape(input_shape) else list(input_shape)
        tensors = [KerasTensor(s) for s in shapes]
        return self.compute_output_spec(tensors).shape

    def compute_output_spec(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The output as a `KerasTensor`, by the op's rule in the core."""
        tensors = iter(inputs if isinstance(inputs, (list, tuple)) else [inputs])
        operands = [next(tensors) if slot else c for slot, c in zip(self._slots, self._constants)]
        shape, dtype = output_spec(self.op_name, operands, self.index_inputs, self.attrs)
        return KerasTensor(shape, dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "op_name": self.op_name,
                # Operands in order: None where an input tensor goes, else the constant.
                "template": [None if slot else c for slot, c in zip(self._slots, self._constants)],
                "slots": list(self._slots),
                "index_inputs": list(self.index_inputs),
                "attrs": self.attrs,
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        config = dict(config)
        slots = config.pop("slots", None)
        template = config.pop("template", None)
        if slots is None or template is None or len(slots) != len(template):
            raise ValueError(
                f"The config of op layer '{config.get('name')}' lacks its operands "
                "('template' and 'slots'), so the op cannot be rebuilt."
            )
        operands = [KerasTensor(()) if slot else c for slot, c in zip(slots, template)]
        op_name = config.pop("op_name")
        index_inputs = config.pop("index_inputs", ())
        attrs = config.pop("attrs", None) or {}
        return cls(op_name, operands, index_inputs, attrs, **config)


def _is_shape(x: Any) -> Any:
    return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)


def _op_layer_name(op_name: str) -> Any:
    return unique_name(op_name)


def _record(op_name: str, inputs: Any, index_inputs: Any, attrs: Any) -> Any:
    """An op applied to symbolic tensors, recorded as an `OpLayer` call."""
    layer = OpLayer(op_name, inputs, index_inputs, attrs)
    return layer([x for x in inputs if isinstance(x, KerasTensor)])


# `pykeras.ops` (a layer below) records symbolic ops through this.
_dispatch.set_op_layer_recorder(_record)
