"""`vectorize`: NumPy's `vectorize`, with Keras's (JAX's) signature."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from pykeras import tree
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _control_flow as F

_DIMS = r"\(\s*(?:\w+\s*(?:,\s*\w+\s*)*)?\)"
_SIDE = rf"{_DIMS}(?:\s*,\s*{_DIMS})*"
_SIGNATURE = re.compile(rf"^\s*{_SIDE}\s*->\s*{_SIDE}\s*$")


def vectorize(
    pyfunc: Callable, *, excluded: Iterable[int | str] | None = None, signature: str | None = None
) -> Callable:
    """Turn a function into a vectorized function.

    Eagerly the result is NumPy's `np.vectorize` (one call of `pyfunc` per
    element, or per core-dimension block with `signature`), so any `pyfunc`
    works. In a model (a symbolic argument) there is no per-element loop:

    - without `signature`, `pyfunc` is called once on the whole tensors. This
      is exact for the functions Keras's contract describes (scalars in,
      scalars out) when they are built from elementwise ops; the result must
      have the inputs' broadcast shape, or a `ShapeError` says so.
    - with `signature`, one call per position of the loop dimensions is
      unrolled into the graph, whose sizes must then be known when it is built.

    Args:
        pyfunc: Callable of a single tensor argument.
        excluded: Optional set of integers representing
            positional arguments for which the function
            will not be vectorized.
            These will be passed directly to `pyfunc` unmodified.
        signature: Optional generalized universal function signature,
            e.g., `"(m,n),(n)->(m)"` for vectorized
            matrix-vector multiplication. If provided,
            `pyfunc` will be called with (and expected to return)
            arrays with shapes given by the size of corresponding
            core dimensions. By default, `pyfunc` is assumed
            to take scalars tensors as input and output.

    Returns:
        A new function that applies `pyfunc` to every element
        of its input along axis 0 (the batch axis).

    Example:

    >>> keras.ops.vectorize(lambda a, b: a + b)(np.array([1, 2, 3, 4]), 2)
    array([3, 4, 5, 6])
    """
    if not callable(pyfunc):
        raise F.NotCallableError(
            "Op 'vectorize': expected argument `pyfunc` to be a callable. "
            f"Received: pyfunc={pyfunc!r}"
        )
    excluded = set() if excluded is None else set(excluded)
    core = None
    if signature is not None:
        if not isinstance(signature, str) or not _SIGNATURE.match(signature):
            raise InvalidArgumentError(
                "Op 'vectorize': signature must look like '(m,n),(n)->(m)'. "
                f"Received: signature={signature!r}"
            )
        ins, outs = signature.split("->")
        core = (_parse_side(ins), _parse_side(outs))

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        vectorized = [i for i in range(len(args)) if i not in excluded]
        if not F.any_symbolic([args[i] for i in vectorized]):
            return _eager(pyfunc, excluded, signature, args, kwargs)
        if core is None:
            return _whole(pyfunc, vectorized, args, kwargs)
        return _unrolled(pyfunc, vectorized, core, args, kwargs)

    return wrapped


def _parse_side(text: Any) -> Any:
    return [
        tuple(d.strip() for d in group.split(",") if d.strip())
        for group in re.findall(r"\(([^)]*)\)", text)
    ]


def _eager(pyfunc: Any, excluded: Any, signature: Any, args: Any, kwargs: Any) -> Any:
    # Python numbers take JAX's types (int32, float32), as Keras gives them.
    args = [a if i in excluded else F.as_value(a) for i, a in enumerate(args)]
    result = np.vectorize(pyfunc, excluded=excluded, signature=signature)(*args, **kwargs)
    return F.as_values(result)


def _broadcast_shape(shapes: Any) -> Any:
    """NumPy's broadcast of static shapes, None where a size is unknown."""
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(rank):
        sizes = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}
        known = {d for d in sizes if d is not None and d != 1}
        if len(known) > 1:
            raise ShapeError(
                "Op 'vectorize': the arguments' shapes do not broadcast together. Received: "
                + ", ".join(C.dims_text(s) for s in shapes)
            )
        if known:
            out.append(known.pop())
        else:
            out.append(None if None in sizes else 1)
    return tuple(out)


def _whole(pyfunc: Any, vectorized: Any, args: Any, kwargs: Any) -> Any:
    shapes = [F.leaf_shape(args[i]) for i in vectorized]
    target = None if any(s is None for s in shapes) else _broadcast_shape(shapes)
    result = pyfunc(*args, **kwargs)
    for y in tree.flatten(result):
        shape = F.leaf_shape(y)
        if target is not None and shape is not None and F._shapes_differ(shape, target):
            raise ShapeError(
                "Op 'vectorize' calls pyfunc once on whole tensors in a model, which gives "
                "its per-element result only for elementwise functions; this one returned "
                f"shape {C.dims_text(shape)} for inputs broadcast to {C.dims_text(target)}. "
                "Pass a signature (the loop is then unrolled) or run the model eagerly."
            )
    return result


def _unrolled(pyfunc: Any, vectorized: Any, core: Any, args: Any, kwargs: Any) -> Any:
    ins, outs = core
    if len(ins) != len(vectorized):
        raise InvalidArgumentError(
            f"Op 'vectorize': the signature has {len(ins)} inputs, and pyfunc was given "
            f"{len(vectorized)} vectorized arguments."
        )
    loops = []
    for i, dims in zip(vectorized, ins):
        shape = F.leaf_shape(args[i])
        if shape is None or len(shape) < len(dims):
            raise ShapeError(
                f"Op 'vectorize': argument {i} needs at least {len(dims)} dimensions for the "
                f"signature's core dimensions {dims}. Received: {args[i]!r}"
            )
        loops.append(shape[: len(shape) - len(dims)])
    loop = _broadcast_shape(loops)
    if None in loop:
        raise ShapeError(
            "Op 'vectorize' with a signature unrolls its loop into the graph, so the loop "
            "dimensions' sizes must be known when it is built. Received: loop dimensions "
            f"{C.dims_text(loop)}"
        )
    results = []
    for position in np.ndindex(*loop):
        call = list(args)
        for i, own in zip(vectorized, loops):
            # An argument with fewer loop dimensions, or size 1, is broadcast.
            index = tuple(0 if d == 1 else p for d, p in zip(own, position[len(loop) - len(own) :]))
            call[i] = F.item_at(args[i], index) if index else args[i]
        results.append(pyfunc(*call, **kwargs))
    template = None
    if not results:
        raise ShapeError(
            f"Op 'vectorize': the loop dimensions {C.dims_text(loop)} hold no element."
        )
    stacked = F.stack("vectorize", results, template)
    single = len(outs) == 1 and not isinstance(results[0], (tuple, list))
    leaves = [stacked] if single else tree.flatten(stacked)

    def unflatten(y: Any) -> Any:
        shape = F.leaf_shape(y)
        return C.reshape("vectorize", y, list(loop) + list(shape[1:]), shape)

    leaves = [unflatten(y) for y in leaves]
    return leaves[0] if single else tree.pack_sequence_as(stacked, leaves)
