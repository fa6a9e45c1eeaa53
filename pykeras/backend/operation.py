"""`keras.Operation`: a computation with `call` (on values) and
`compute_output_spec` (on symbolic tensors), callable both ways.

Called on arrays it runs `call` eagerly; on the traced tensors of a model
being compiled, `call`'s `pykeras.ops` calls become nodes of the Rust graph;
on `KerasTensor`s it infers the output spec and records a node, so an
Operation takes part in Functional models and `keras.Function`s like a layer.
"""

from __future__ import annotations

import abc
import inspect
from typing import TYPE_CHECKING, Any

from pykeras.backend.naming import to_snake_case, unique_name
from pykeras.engine import symbolic_scope
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.node import Node
from pykeras.engine.tree import flatten, map_structure
from pykeras.errors import InvalidArgumentError

if TYPE_CHECKING:
    from typing_extensions import Self

_PLAIN = (str, int, float, bool, type(None))


class Operation(metaclass=abc.ABCMeta):
    """Base class of Keras operations: subclass it and define `call`.

    `op(*args)` runs `call` on arrays (and on the traced tensors of a model
    being compiled); on `KerasTensor`s it returns `compute_output_spec`'s
    tensors and records the call in the graph, so the operation can be used
    in Functional models and `keras.Function`s. The default
    `compute_output_spec` runs `call` on the symbolic tensors in shape-only
    mode, so a `call` written with `keras.ops` needs nothing more.

    Args:
        name: the operation's name (default: the snake-case class name made
            unique). It cannot contain `/`.

    Example:

    >>> class Scale(keras.Operation):
    ...     def __init__(self, factor, name=None):
    ...         super().__init__(name=name)
    ...         self.factor = factor
    ...     def call(self, x):
    ...         return keras.ops.multiply(x, self.factor)
    >>> Scale(2.0)(np.ones((2,)))
    array([2., 2.])
    """

    # The constructor's plain arguments, for the default `get_config`.
    _auto_config: dict[str, Any] | None

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        instance = super().__new__(cls)
        instance._auto_config = _capture_arguments(cls, args, kwargs)
        return instance

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = unique_name(to_snake_case(type(self).__name__))
        if not isinstance(name, str) or "/" in name:
            raise InvalidArgumentError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name} (of type {type(name)})"
            )
        self.name = name
        self._inbound_nodes: list[Node] = []
        self._outbound_nodes: list[Node] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(x, KerasTensor) for x in flatten((args, kwargs))):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args: Any, **kwargs: Any) -> Any:
        """The call on symbolic tensors: the output spec, recorded as a node
        of the graph (except in shape-only evaluation)."""
        outputs = self.compute_output_spec(*args, **kwargs)
        if symbolic_scope.active():
            return outputs
        # Fresh tensors: a spec may hand back an input tensor itself.
        outputs = map_structure(
            lambda t: KerasTensor(t.shape, t.dtype) if isinstance(t, KerasTensor) else t, outputs
        )
        node = Node(self, args, kwargs, outputs)
        if not node.recorded and all(t.record_history for t in node.input_tensors):
            # Every call of an operation is part of the graph, as in Keras; a
            # Node keeps only the first call on tensors that come from no
            # `Input` (a layer's shape probes), but the inputs of a
            # `keras.Function` may be plain `KerasTensor`s.
            node.recorded = True
            node_index = len(self._inbound_nodes)
            self._inbound_nodes.append(node)
            for i, t in enumerate(node.output_tensors):
                t._keras_history = (self, node_index, i)
        return outputs

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The computation, on arrays or traced tensors; subclasses define it."""
        raise TypeError(
            f"{type(self).__name__} (a keras.Operation) does not define `call()`: "
            "subclasses of keras.Operation implement `call(self, *args, **kwargs)`."
        )

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """The outputs as `KerasTensor`s for symbolic inputs; by default `call`
        run on them in shape-only mode (each `keras.ops` function states its
        output by its rule, nothing runs)."""
        try:
            with symbolic_scope.shapes_only():
                return self.call(*args, **kwargs)
        except Exception as e:
            cls = type(self).__name__
            message = (
                f"Could not automatically infer the output shape / dtype of '{self.name}' (of "
                f"type {cls}). Either the `{cls}.call()` method is incorrect, or you need to "
                f"implement the `{cls}.compute_output_spec() / compute_output_shape()` method. "
                f"Error encountered:\n\n{e}"
            )
            try:
                new = type(e)(message)
            except Exception:
                raise e from None
            raise new.with_traceback(e.__traceback__) from None

    def get_config(self) -> dict[str, Any]:
        """The operation's constructor arguments, as a JSON-serializable dict.

        By default the arguments `__init__` was given, when they are plain
        values (str, int, float, bool, None and lists/dicts of them);
        subclasses taking other values override it.
        """
        config: dict[str, Any] = {"name": self.name}
        if type(self).get_config is not Operation.get_config:
            return config
        if self._auto_config is None:
            raise TypeError(
                f"Object {type(self).__name__} was created by passing non-serializable "
                "argument values (or positional-only or variadic arguments) in `__init__()`, "
                "and therefore the object must override `get_config()` in order to be "
                "serializable. Please implement `get_config()`."
            )
        config.update(self._auto_config)
        params = inspect.signature(type(self).__init__).parameters
        takes_name = "name" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
        if not takes_name:
            config.pop("name", None)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """An operation from its `get_config()` dict."""
        try:
            return cls(**config)
        except Exception as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {e}"
            ) from e

    def __repr__(self) -> str:
        return f"<Operation name={self.name}>"

    @property
    def input(self) -> Any:
        """The input tensor(s) of the first symbolic call."""
        return self._node_attribute("input_tensors", "input")

    @property
    def output(self) -> Any:
        """The output tensor(s) of the first symbolic call."""
        return self._node_attribute("output_tensors", "output")

    def _node_attribute(self, attr: str, what: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        values = getattr(self._inbound_nodes[0], attr)
        return values[0] if isinstance(values, list) and len(values) == 1 else values

    def _obj_type(self) -> str:
        return "Operation"


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return isinstance(value, _PLAIN)


def _capture_arguments(cls: type[Any], args: Any, kwargs: Any) -> dict[str, Any] | None:
    """The constructor's arguments (defaults included, without `name`) when
    all are plain values that can be passed back by keyword; else None."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())[1:]
    if any(p.kind == p.POSITIONAL_ONLY for p in params):
        return None
    bound.apply_defaults()
    values = dict(bound.arguments)
    values.pop(next(iter(signature.parameters)))
    for p in params:
        if p.kind == p.VAR_KEYWORD:
            values.update(values.pop(p.name, {}))
        elif p.kind == p.VAR_POSITIONAL and values.pop(p.name, ()):
            return None
    values.pop("name", None)
    return values if _plain(values) else None
