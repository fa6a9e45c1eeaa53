"""Rematerialization (gradient checkpointing): `keras.remat` and `keras.RematScope`.

A rematerialized computation keeps its inputs and outputs but none of the
values between them for the backward pass: a compiled training step frees
each after the forward pass has read it and recomputes it from the region's
inputs when a backward rule needs it, trading compute for memory
(`jax.checkpoint` under Keras's JAX backend). A region of one op (a Dense or
Conv layer, whose matmul, bias and activation run fused) has nothing inside
to drop. Only traced computations (`fit`, `train_on_batch`, compiled
custom steps, `GradientTape` over a traced model) are affected; an eager
call keeps its values as before. Recomputation runs the same kernels on the
same inputs, so results are bit for bit those of the plain computation.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from pykeras.engine.tracing import _ACTIVE, GraphTensor
from pykeras.engine.tree import flatten

__all__ = ["RematMode", "RematScope", "get_current_remat_mode", "remat", "remat_if"]

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)


class RematMode(NamedTuple):
    """The active `RematScope`'s settings."""

    mode: str | None
    output_size_threshold: int
    layer_names: list[str]


class _ScopeStack(threading.local):
    def __init__(self) -> None:
        self.scopes: list[RematScope] = []


_STACK = _ScopeStack()


class RematScope:
    """A context manager for enabling rematerialization in Keras.

    Rematerialization (gradient checkpointing) trades memory for computation
    by recomputing intermediate activations during the backward pass. Layers
    created inside the scope take its mode, and apply it when they are
    called.

    Args:
        mode: Rematerialization mode to apply: `"full"` (every layer's call),
            `"activations"` (the activation function of layers that have
            one, e.g. `Dense(..., activation="relu")`), `"larger_than"`
            (layers whose output has more than `output_size_threshold`
            elements), `"list_of_layers"` (the layers named in
            `layer_names`), or `None` (disabled).
        output_size_threshold: Output size threshold for `"larger_than"`.
            Defaults to `1024`.
        layer_names: Layer names for `"list_of_layers"`. Defaults to none.

    Example:

    >>> with keras.RematScope(mode="full"):
    ...     layer = keras.layers.Dense(4, activation="relu")
    >>> layer._remat_mode.mode
    'full'
    """

    def __init__(
        self,
        mode: str | None = "full",
        output_size_threshold: int = 1024,
        layer_names: Sequence[str] | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(
                f"Invalid mode '{mode}'. Supported modes are: 'full', 'activations', "
                "'larger_than', 'list_of_layers', or None."
            )
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])
        self._pop_on_exit = False

    def __enter__(self) -> RematScope:
        _STACK.scopes.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pop_on_exit:
            _STACK.scopes.pop()
            self._pop_on_exit = False


def get_current_remat_mode() -> RematMode | None:
    """The innermost active `RematScope`'s settings, or None outside any."""
    if not _STACK.scopes:
        return None
    scope = _STACK.scopes[-1]
    return RematMode(scope.mode, scope.output_size_threshold, list(scope.layer_names))


def remat_if(f: Callable[..., Any], keep: Callable[[Any], bool]) -> Callable[..., Any]:
    """`f`, rematerialized when `keep(outputs)` is true after it ran."""

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        tracer = _ACTIVE[-1] if _ACTIVE else None
        if tracer is None:
            return f(*args, **kwargs)
        start = len(tracer.graph)
        outputs = f(*args, **kwargs)
        if keep(outputs):
            _mark_inside(tracer.graph, start, len(tracer.graph), outputs)
        return outputs

    return wrapped


def _mark_inside(graph: Any, start: int, stop: int, outputs: Any) -> None:
    """Marks the ops `f` traced (`start..stop`, at any nesting depth) but not
    its outputs: as `jax.checkpoint`, a rematerialized region keeps its
    inputs and outputs and recomputes what lies between them."""
    kept = sorted({t.node for t in flatten(outputs) if isinstance(t, GraphTensor)})
    begin = start
    for node in [n for n in kept if start <= n < stop] + [stop]:
        if begin < node:
            graph.mark_recompute(begin, node)
        begin = node + 1


def remat(f: Callable[..., Any]) -> Callable[..., Any]:
    """Applies rematerialization to a function or layer for memory optimization.

    The values computed inside `f` are not kept for the backward pass of a
    compiled training step: they are recomputed from `f`'s inputs when the
    gradient needs them. The result of the step is unchanged.

    Args:
        f: A callable (a function or a layer).

    Returns:
        A callable that computes what `f` computes, rematerialized.

    Example:

    >>> from pykeras import ops
    >>> double_tanh = keras.remat(lambda x: ops.tanh(ops.tanh(x)))
    >>> double_tanh(np.zeros((2,), "float32"))
    array([0., 0.], dtype=float32)
    """
    if not callable(f):
        raise TypeError(f"keras.remat expects a callable. Received: {f!r}")
    return remat_if(f, lambda _: True)


def output_size(outputs: Any) -> int:
    """Elements in the symbolic outputs (unknown dimensions count 1, as in Keras)."""
    total = 0
    for x in flatten(outputs):
        shape = getattr(x, "shape", None)
        if shape is not None and not hasattr(x, "__array__"):
            total += math.prod(d or 1 for d in shape)
    return total
