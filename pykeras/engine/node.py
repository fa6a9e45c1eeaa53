"""Nodes: one call of a layer on symbolic tensors, as a Functional model records it."""

from __future__ import annotations

import itertools
from typing import Any

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import flatten

# Creation order is a topological order (a node's inputs exist before it), so
# a global counter orders any subgraph without a sort by dependencies.
_node_ids = itertools.count()


class Node:
    """Records that `layer` was called on `args`/`kwargs` and produced `outputs`.

    Args:
        layer: the layer called.
        args: the positional arguments, as passed (tensors nested in lists or dicts).
        kwargs: the keyword arguments, as passed.
        outputs: the output structure (a KerasTensor or a list of them).
    """

    def __init__(
        self, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any], outputs: Any
    ) -> None:
        self.id = next(_node_ids)
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((args, kwargs)) if _is_kt(t)]
        self.output_tensors = flatten(outputs)
        # Only an InputLayer's node has no input tensors; a graph a Functional
        # model can use starts there.
        self.from_input = not self.input_tensors or any(_from_input(t) for t in self.input_tensors)
        self.recorded = self.from_input or not layer._inbound_nodes
        if any(not t.record_history for t in self.input_tensors):
            # `KerasTensor(..., record_history=False)`: shape inference only, as Keras.
            self.recorded = False
        if not self.recorded:
            # A call on tensors that descend from no Input is a shape probe:
            # fit, evaluate, train_on_batch and compute_output_shape each run a
            # subclassed model's call() on fresh KerasTensors. Keeping every
            # probe's node grew each sublayer by a node (and its tensors and op
            # layers) per call, ~6 KB per fit() of a 3-layer model, forever.
            # The first call is still kept: it gives `layer.input`/`output`
            # after `build()`, as in Keras.
            return
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)

    @property
    def parent_nodes(self) -> list[Node]:
        """The nodes that made this node's inputs."""
        parents = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            node = layer._inbound_nodes[node_index]
            if node not in parents:
                parents.append(node)
        return parents


def _from_input(tensor: Any) -> Any:
    """Whether `tensor` was computed from an `Input` through recorded layer calls."""
    history = tensor._keras_history
    if history is None:
        return False
    layer, node_index, _ = history
    return layer._inbound_nodes[node_index].from_input


def _is_kt(x: Any) -> Any:
    return isinstance(x, KerasTensor)
