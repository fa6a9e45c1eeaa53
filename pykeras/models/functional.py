"""Functional models: a graph of layer calls from `Input`s to outputs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Union, cast

import numpy as np

from pykeras import ops
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import flatten, map_structure, pack_like
from pykeras.layers.input_layer import InputLayer
from pykeras.layers.layer import Layer
from pykeras.models import model as model_module
from pykeras.models.model import Model
from pykeras.saving import functional_config

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.node import Node
    from pykeras.engine.typing import Shape, TensorLike
    from pykeras.trainers.model_protocol import InputSpec

# A model's inputs or outputs as given: one symbolic tensor, or a list or
# dict of them.
SymbolicStructure = Union[KerasTensor, Sequence[KerasTensor], Mapping[str, KerasTensor]]


class Functional(Model):
    """A model defined by calling layers on symbolic tensors.

    Args:
        inputs: a `KerasTensor` from `Input()`, or a list or dict of them.
        outputs: a `KerasTensor`, or a list or dict of them.
        name: the model's name.

    Example:

    >>> inputs = keras.Input(shape=(3,), name="x")
    >>> features = keras.layers.Dense(8, activation="relu")(inputs)
    >>> outputs = keras.layers.Dense(2, activation="softmax")(features)
    >>> model = Model(inputs=inputs, outputs=outputs)
    """

    # `layers` in Keras's order, computed once (see `layers`).
    _layer_order: SimpleNamespace | None

    def __init__(
        self,
        inputs: SymbolicStructure,
        outputs: SymbolicStructure,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        Layer.__init__(
            self,
            name=name,
            trainable=kwargs.pop("trainable", True),
            dtype=kwargs.pop("dtype", None),
            **kwargs,
        )
        self._init_parts()
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = flatten(inputs)
        self._flat_outputs = flatten(outputs)
        for what, tensors in (("inputs", self._flat_inputs), ("outputs", self._flat_outputs)):
            for t in tensors:
                if not isinstance(t, KerasTensor) or t._keras_history is None:
                    raise TypeError(
                        f"Model '{self.name}' expected {what} to be symbolic tensors (from "
                        f"`keras.Input` and layer calls). Received: {t!r}"
                    )
        self._nodes = self._discover_nodes()
        self._check_unique_names()
        self.built = True

    def _discover_nodes(self) -> list[Node]:
        """The nodes between the inputs and the outputs, in creation (topological) order."""
        input_ids = {id(t) for t in self._flat_inputs}
        seen: dict[int, Node] = {}
        stack = list(self._flat_outputs)
        while stack:
            tensor = stack.pop()
            if id(tensor) in input_ids:
                continue
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if node.id in seen:
                continue
            if isinstance(layer, InputLayer):
                raise ValueError(
                    f"Graph disconnected: model '{self.name}' cannot obtain the value of "
                    f"tensor {tensor} from its inputs. The input '{layer.name}' it depends on "
                    "was not passed in `inputs`."
                )
            seen[node.id] = node
            stack.extend(node.input_tensors)
        input_nodes = []
        for t in self._flat_inputs:
            layer, node_index, _ = t._keras_history
            node = layer._inbound_nodes[node_index]
            if node not in input_nodes:
                input_nodes.append(node)
        return input_nodes + sorted(seen.values(), key=lambda n: n.id)

    def _check_unique_names(self) -> None:
        counts = Counter(op.name for op in self.operations)
        for name, count in counts.items():
            if count > 1:
                raise ValueError(
                    f'The name "{name}" is used {count} times in the model. All layer names '
                    "should be unique."
                )

    @property
    def layers(self) -> list[Layer]:
        """The model's layers in Keras's order (deepest first), which fixes the order of
        `weights` and where each layer's weights go in saved files."""
        return [op for op in self.operations if isinstance(op, Layer)]

    @property
    def operations(self) -> list[Any]:
        """The graph's operations in Keras's order: its layers and the
        `keras.Operation`s called in it (`layers` holds only the former)."""
        layer_order = getattr(self, "_layer_order", None)
        if layer_order is None:
            # Held in a namespace so attribute scans for sublayers do not see a list.
            order = _keras_layer_order(self._flat_inputs, self._flat_outputs)
            layer_order = self._layer_order = SimpleNamespace(layers=order)
        return list(layer_order.layers)

    def _sublayers(self) -> list[Layer]:
        return self.layers

    @property
    def inputs(self) -> list[KerasTensor]:
        """The model's input tensors, as a list."""
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        """The model's output tensors, as a list."""
        return list(self._flat_outputs)

    @property
    def input_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self._flat_inputs]

    @property
    def output_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self._flat_outputs]

    @property
    def input(self) -> SymbolicStructure:
        return self._inputs_struct

    @property
    def output(self) -> SymbolicStructure:
        return self._outputs_struct

    @property
    def input_shape(self) -> Shape | list[Shape]:
        """The input shapes as Keras gives them: one shape for one input
        (even given in a list or dict), else a list in `inputs` order."""
        return _one_or_list([t.shape for t in self._flat_inputs])

    @property
    def output_shape(self) -> Shape | list[Shape]:
        """The output shapes, like `input_shape`."""
        return _one_or_list([t.shape for t in self._flat_outputs])

    # ------------------------------------------------------------ running

    def _standardize(self, inputs: Any) -> list[TensorLike]:
        """The user's inputs as a flat list in the order of `self.inputs`."""
        if isinstance(self._inputs_struct, dict):
            names = list(self._inputs_struct.keys())
        else:
            names = self.input_names
        if isinstance(inputs, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expected inputs keyed by the input names {names}. "
                    f"Missing: {missing}. Received keys: {list(inputs.keys())}"
                )
            return self._adjust_input_ranks([inputs[n] for n in names])
        flat = [inputs] if not isinstance(inputs, (list, tuple)) else flatten(inputs)
        if len(flat) != len(names):
            raise ValueError(
                f"Model '{self.name}' expects {len(names)} input(s) ({names}), but it received "
                f"{len(flat)} input tensors."
            )
        return self._adjust_input_ranks(flat)

    def _adjust_input_ranks(self, flat: list[TensorLike]) -> list[TensorLike]:
        """As Keras 3 does: an input one rank short of its `Input`, whose last dimension
        is 1, gets that axis (`(N, 28, 28)` data into `Input((28, 28, 1))`); one with an
        extra last axis of 1 loses it. Other shapes are left to the layers' checks."""
        adjusted = []
        for x, ref in zip(flat, self._flat_inputs):
            shape = getattr(x, "shape", None)
            if shape is not None and len(shape) == len(ref.shape) - 1 and ref.shape[-1] == 1:
                x = x[..., None] if isinstance(x, np.ndarray) else ops.expand_dims(x, -1)
            elif shape is not None and len(shape) == len(ref.shape) + 1 and shape[-1] == 1:
                x = x[..., 0] if isinstance(x, np.ndarray) else ops.squeeze(x, -1)
            adjusted.append(x)
        return adjusted

    def _flatten_data(self, x: Any) -> tuple[Any, list[Any]]:
        return self._inputs_struct, self._standardize(x)

    def _input_dtypes(self, count: int) -> list[str]:
        return [t.dtype for t in self._flat_inputs]

    def _input_specs(self, flat_arrays: list[np.ndarray]) -> list[InputSpec]:
        specs = super()._input_specs(flat_arrays)
        if len(specs) != len(self._flat_inputs):
            return specs
        # Traced tensors report the dtype each Input declares (int32 ids,
        # bool masks), as Keras's do; the core still holds int64 or float32.
        return [
            (name, shape, t.dtype if "int" in str(t.dtype) or t.dtype == "bool" else dtype)
            for (name, shape, dtype), t in zip(specs, self._flat_inputs)
        ]

    def _run_graph(self, flat_inputs: list[Any], training: bool | None = None) -> Any:
        """Calls every layer of the graph in order on `flat_inputs` (arrays,
        graph tensors or symbolic tensors) and returns the outputs."""
        values = {id(t): v for t, v in zip(self._flat_inputs, flat_inputs)}

        def lookup(x: Any) -> Any:
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            if isinstance(node.layer, InputLayer) and not node.input_tensors:
                continue
            if all(id(t) in values for t in node.output_tensors):
                # It made a model input: a model on intermediate tensors starts there.
                continue
            args = map_structure(lookup, node.args)
            kwargs = map_structure(lookup, node.kwargs)
            if training is not None and "training" not in kwargs and isinstance(node.layer, Layer):
                kwargs["training"] = training  # (a `keras.Operation` takes no training flag)
            outputs = node.layer(*args, **kwargs)
            for t, v in zip(node.output_tensors, flatten(outputs)):
                values[id(t)] = v
        return pack_like(self._outputs_struct, [values[id(t)] for t in self._flat_outputs])

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        return self._run_graph(self._standardize(inputs), training)

    def build(self, input_shape: Any) -> None:
        self.built = True

    # ------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        """Keras 3's Functional config: `name`, `trainable`, `layers` (each with its
        `inbound_nodes`), `input_layers` and `output_layers`."""
        return functional_config.get_config(self)

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        """Rebuilds a Functional model from a Keras 3, tf.keras 2 or pykeras config."""
        return functional_config.from_config(cls, dict(config), custom_objects)


model_module.set_functional_class(Functional)


def _keras_layer_order(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Layer]:
    """The layers between `inputs` and `outputs` ordered as Keras orders them: by
    decreasing depth from the outputs, ties by first visit in a depth-first walk
    from the outputs. Keras 3 (`ops.function.map_graph`) and tf.keras 2 both use
    this order for `model.layers`, `model.weights` and their weight files, so
    keeping it makes files and `get_weights()` lists line up with Keras's."""
    input_ids = {id(t) for t in inputs}
    finished: set[int] = set()
    ordered: list[Node] = []
    first_visit: dict[Layer, int] = {}

    def visit(tensor: KerasTensor) -> None:
        layer, node_index, _ = _history(tensor)
        node = layer._inbound_nodes[node_index]
        if node.id in finished:
            return
        if node.input_tensors and id(tensor) in input_ids:
            finished.add(node.id)
            return
        first_visit.setdefault(layer, len(first_visit))
        if node.input_tensors:
            for t in node.input_tensors:
                visit(t)
        finished.add(node.id)
        ordered.append(node)

    for t in outputs:
        visit(t)
    in_graph = {node.id for node in ordered}
    node_depth: dict[int, int] = {}
    layer_depth: dict[Layer, int] = {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(node.id, 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = depth
        node_depth[node.id] = depth
        for parent in node.parent_nodes:
            if parent.id in in_graph:
                node_depth[parent.id] = max(depth + 1, node_depth.get(parent.id, 0))
    for t in inputs:
        layer = _history(t)[0]
        if layer not in layer_depth:
            layer_depth[layer] = 0
            first_visit[layer] = -1
    return sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_visit[layer]))


def _one_or_list(shapes: list[Shape]) -> Shape | list[Shape]:
    return shapes[0] if len(shapes) == 1 else shapes


def _history(tensor: KerasTensor) -> tuple[Layer, int, int]:
    """The (layer, node index, tensor index) that made `tensor`: every tensor
    of a Functional graph has one (`Functional.__init__` checks its inputs and
    outputs, and layer calls on them record their outputs' history)."""
    return cast("tuple[Layer, int, int]", tensor._keras_history)
