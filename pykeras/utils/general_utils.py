"""Small public helpers of `keras.utils`: `normalize`, `Config`,
`get_source_inputs` and the `(x, y, sample_weight)` packing functions."""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import Any

import numpy as np

from pykeras import ops


def normalize(x: Any, axis: int = -1, order: Any = 2) -> Any:
    """Normalizes an array along `axis` by its `order`-norm.

    A NumPy array gives a NumPy array (zero norms left as 1, as in Keras);
    a pykeras tensor gives a tensor (`ops.normalize`).

    Args:
        x: the array to normalize.
        axis: the axis along which to normalize.
        order: the norm order (2 for the L2 norm).

    Returns:
        A normalized copy of `x`.

    Example:

    >>> pykeras.utils.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        axis = axis or -1  # as in Keras, axis 0 is treated as -1 here
        return x / np.expand_dims(norm, axis)
    return ops.normalize(x, axis=axis, order=order)


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """Packs user data into the tuple `fit`, `train_step` and friends expect.

    Args:
        x: the features.
        y: the targets, or None.
        sample_weight: the sample weights, or None.

    Returns:
        `x` if `y` is None (a tuple or list `x` wrapped as `(x,)` so that it is
        not read as `(x, y)`), else `(x, y)` or `(x, y, sample_weight)`.

    Example:

    >>> pykeras.utils.pack_x_y_sample_weight(1, 2)
    (1, 2)
    """
    if y is None:
        # A tuple `x` would be read as (x, y, ...) later: wrap it.
        if not isinstance(x, (tuple, list)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """`(x, y, sample_weight)` from a batch `data` (missing parts as None).

    Args:
        data: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Returns:
        The tuple `(x, y, sample_weight)`.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {data}"
    )


def get_source_inputs(tensor: Any) -> list[Any]:
    """The input tensors (`keras.Input`s) a symbolic tensor was computed from.

    Args:
        tensor: a symbolic tensor of a functional graph.

    Returns:
        The list of source input tensors, each once, in order of discovery.
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    layer, node_index, _ = history
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:
        return list(node.output_tensors)
    sources: list[Any] = []
    for t in node.input_tensors:
        for s in get_source_inputs(t):
            if not any(s is known for known in sources):
                sources.append(s)
    return sources


class Config:
    """A dict whose entries are also attributes, freezable.

    Args:
        **kwargs: the initial entries.

    Example:

    >>> config = pykeras.utils.Config(learning_rate=0.1)
    >>> config.momentum = 0.9
    >>> config["learning_rate"], config.momentum
    (0.1, 0.9)
    >>> config.freeze()
    """

    __frozen = False

    def __init__(self, **kwargs: Any) -> None:
        self._config = kwargs
        self.__frozen = False
        self.__dict__.update(kwargs)

    def freeze(self) -> None:
        """Makes the config read-only."""
        self.__frozen = True

    def unfreeze(self) -> None:
        """Makes the config writable again."""
        self.__frozen = False

    def _raise_if_frozen(self) -> None:
        if self.__frozen:
            raise ValueError(
                "Cannot mutate attribute(s) because the config is frozen. Call "
                "`config.unfreeze()` first."
            )

    @property
    def frozen(self) -> bool:
        """Whether the config is read-only."""
        return self.__frozen

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_config", "_Config__frozen"):
            object.__setattr__(self, name, value)
            return
        self._raise_if_frozen()
        self._config[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._raise_if_frozen()
        del self._config[name]
        object.__delattr__(self, name)

    def __getitem__(self, key: Any) -> Any:
        return self._config[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__setattr__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.__delattr__(key)

    def __contains__(self, item: object) -> bool:
        return item in self._config

    def __len__(self) -> int:
        return len(self._config)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._config)

    def keys(self) -> KeysView[Any]:
        return self._config.keys()

    def values(self) -> ValuesView[Any]:
        return self._config.values()

    def items(self) -> ItemsView[Any, Any]:
        return self._config.items()

    def get(self, key: Any, default: Any = None) -> Any:
        return self._config.get(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._raise_if_frozen()
        for key, value in dict(*args, **kwargs).items():
            self.__setattr__(key, value)

    def pop(self, *args: Any) -> Any:
        self._raise_if_frozen()
        value = self._config.pop(*args)
        self.__dict__.pop(args[0], None)
        return value

    def as_dict(self) -> dict[Any, Any]:
        """A copy of the entries as a plain dict."""
        return dict(self._config)

    def to_json(self) -> str:
        """The entries as a JSON string."""
        return json.dumps(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"
