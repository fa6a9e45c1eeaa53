"""`keras.ops.jvp`: Jacobian-vector products.

pykeras differentiates in reverse mode (each primitive has a backward rule,
not a tangent rule), so `jvp` builds `J @ t` from reverse passes over one
recording of the function: row `i` of the Jacobian is the gradient of output
element `i`, and `(J @ t)[i]` its dot product with the tangents. The result
is exact; the cost is one reverse pass per output element, which suits the
small outputs `jvp` is used on (directional derivatives, Jacobian columns of
small maps) and not a large network's activations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras import tree
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tape import GradientTape
from pykeras.engine.tracing import GraphTensor
from pykeras.errors import InvalidArgumentError, ShapeError

__all__ = ["jvp"]


def _arguments(primals: Any, tangents: Any) -> tuple[list[Any], list[Any]]:
    """The primals' and tangents' leaves, checked to match."""
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise InvalidArgumentError(
                f"Op 'jvp' expected `{name}` as a tuple or list of the function's arguments. "
                f"Received: {type(value).__name__}"
            )
    try:
        tree.assert_same_structure(primals, tangents)
    except (ValueError, TypeError) as error:
        raise InvalidArgumentError(
            f"Op 'jvp' expected `tangents` with the structure of `primals`. {error}"
        ) from None
    flat_primals, flat_tangents = tree.flatten(primals), tree.flatten(tangents)
    for p, t in zip(flat_primals, flat_tangents):
        if isinstance(p, (KerasTensor, GraphTensor)) or isinstance(t, (KerasTensor, GraphTensor)):
            raise InvalidArgumentError(
                "Op 'jvp' runs eagerly, on arrays: call it outside a model being traced "
                "(a layer's `call` in `fit` is traced into one graph). Received: a symbolic "
                "tensor"
            )
        if np.shape(p) != np.shape(t):
            raise ShapeError(
                f"Op 'jvp' expected each tangent to have its primal's shape. Received: "
                f"{np.shape(p)} and {np.shape(t)}"
            )
    return flat_primals, flat_tangents


def jvp(
    fun: Callable[..., Any], primals: Any, tangents: Any, has_aux: bool = False
) -> tuple[Any, ...]:
    """Computes a (forward-mode) Jacobian-vector product of `fun`.

    pykeras computes it from reverse passes (one per element of `fun`'s
    output) over one recording of `fun`: exact, and meant for small outputs.

    Args:
        fun: Function to be differentiated. Its arguments should be arrays,
            scalars, or standard Python containers of arrays or scalars. It
            should return an array, scalar, or standard Python container of
            arrays or scalars.
        primals: The primal values at which the Jacobian of `fun` should be
            evaluated. Should be either a tuple or a list of arguments, and
            its length should be equal to the number of positional
            parameters of `fun`.
        tangents: The tangent vector for which the Jacobian-vector product
            should be evaluated. Should be either a tuple or a list of
            tangents, with the same tree structure and array shapes as
            `primals`.
        has_aux: Optional, bool. Indicates whether `fun` returns a pair where
            the first element is considered the output of the mathematical
            function to be differentiated and the second element is
            auxiliary data. Default is False.

    Returns:
        If `has_aux` is False, returns a (`primals_out`, `tangents_out`)
        pair, where `primals_out` is `fun(*primals)`, and `tangents_out` is
        the Jacobian-vector product of `fun` evaluated at `primals` with
        `tangents`. The `tangents_out` value has the same Python tree
        structure and shapes as `primals_out`.

        If `has_aux` is True, returns a (`primals_out`, `tangents_out`,
        `aux`) tuple where `aux` is the auxiliary data returned by `fun`.

    Example:

    >>> primals, tangents = keras.ops.jvp(keras.ops.sin, (0.1,), (0.2,))
    >>> print(f"{float(primals):.6f} {float(tangents):.6f}")
    0.099833 0.199001
    """
    if not callable(fun):
        raise InvalidArgumentError(f"Op 'jvp' expected a function. Received: {fun!r}")
    flat_primals, flat_tangents = _arguments(primals, tangents)
    inputs = [np.asarray(p, dtype=np.float32) for p in flat_primals]
    directions = [np.asarray(t, dtype=np.float32) for t in flat_tangents]
    with GradientTape(persistent=True) as tape:
        for x in inputs:
            tape.watch(x)
        result = fun(*tree.pack_sequence_as(primals, inputs))
    aux = None
    if has_aux:
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise InvalidArgumentError(
                "Op 'jvp' with has_aux=True expected `fun` to return (output, aux). "
                f"Received: {type(result).__name__}"
            )
        result, aux = result
    outputs = tree.flatten(result)
    products = [_product(tape, y, inputs, directions) for y in outputs]
    values = [np.asarray(y, dtype=np.float32) for y in outputs]
    primals_out = tree.pack_sequence_as(result, values)
    tangents_out = tree.pack_sequence_as(result, products)
    return (primals_out, tangents_out, aux) if has_aux else (primals_out, tangents_out)


def _product(
    tape: GradientTape, y: Any, inputs: list[np.ndarray], directions: list[np.ndarray]
) -> np.ndarray:
    """`J @ t` for one output: each element's gradient dotted with the tangents."""
    shape = np.shape(y)
    size = int(np.prod(shape, dtype=np.int64))
    out = np.zeros(size, np.float32)
    seed = np.zeros(size, np.float32)
    for i in range(size):
        seed[i] = 1.0
        grads = tape.gradient(y, inputs, output_gradients=seed.reshape(shape))
        seed[i] = 0.0
        out[i] = sum(
            float(np.vdot(np.asarray(g, np.float64), t))
            for g, t in zip(grads, directions)
            if g is not None
        )
    return out.reshape(shape)
