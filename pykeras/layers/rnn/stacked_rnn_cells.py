"""StackedRNNCells: several cells run as one, each feeding the next."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.layers.layer import Layer
from pykeras.layers.serialization import deserialize_object, serialize_object

if TYPE_CHECKING:
    from typing_extensions import Self


def _cell_output_size(cell: Any) -> Any:
    if getattr(cell, "output_size", None) is not None:
        return cell.output_size
    if isinstance(cell.state_size, (list, tuple)):
        return cell.state_size[0]
    return cell.state_size


class StackedRNNCells(Layer):
    """Wrapper allowing a stack of RNN cells to behave as a single cell.

    Args:
        cells: a list of RNN cells.

    Example:

    >>> cells = [keras.layers.LSTMCell(8), keras.layers.LSTMCell(4)]
    >>> keras.layers.RNN(StackedRNNCells(cells))(np.ones((2, 3, 5))).shape
    (2, 4)
    """

    def __init__(self, cells: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(
                    f"All cells must have a `call` method. Received cell without a `call` "
                    f"method: {cell!r}"
                )
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    "All cells must have a `state_size` attribute. Received cell without "
                    f"a `state_size`: {cell!r}"
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list[Any]:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> Any:
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size: Any = None) -> list[Any]:
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(np.zeros((batch_size, cell.state_size), np.float32))
            else:
                states.append([np.zeros((batch_size, d), np.float32) for d in cell.state_size])
        return states

    def call(self, inputs: Any, states: Any, training: bool | None = False, **kwargs: Any) -> Any:
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            state_is_list = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if state_is_list else [cell_states]
            call_kwargs = dict(kwargs)
            if isinstance(cell, Layer) and cell._call_accepts("training"):
                call_kwargs["training"] = training
            fn = cell if callable(cell) else cell.call
            inputs, cell_states = fn(inputs, cell_states, **call_kwargs)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not state_is_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape: Any) -> None:
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            input_shape = (tuple(input_shape)[0], _cell_output_size(cell))
        self.built = True

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["cells"] = [serialize_object(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        config = dict(config)
        cells = [
            deserialize_object(c, custom_objects=custom_objects, kinds=("layers",))
            for c in config.pop("cells")
        ]
        return cls(cells, **config)
