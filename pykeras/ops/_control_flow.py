"""Helpers for `control_flow.py`: nested structures of values that may be
eager (NumPy, Python numbers, `Variable`s), symbolic (`KerasTensor`s) or traced
(`GraphTensor`s), sliced along an axis, stacked and joined, checked between
loop iterations and branches, and selected with the `where` primitive.

Loops with a trip count known when the graph is built unroll into the graph:
each step's ops become nodes (or op layers), so the result is differentiable
through the primitives' backward rules and saves like any other model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras import tree
from pykeras.backend.variable import Variable
from pykeras.engine.tracing import _ACTIVE
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops.arrays import expand_dims


class StructureError(InvalidArgumentError, TypeError):
    """A function returned a structure other than the one the op expects.

    Both a `ValueError` (Keras checks specs with `ValueError`s) and a
    `TypeError` (JAX, Keras's reference backend, raises `TypeError`s for
    mismatched pytrees), so code written for either catches it.
    """


class NotCallableError(InvalidArgumentError, TypeError):
    """A function argument that is not callable (`TypeError` in JAX,
    `ValueError` in Keras's `vectorize`: this is both)."""


class NotScalarError(ShapeError, TypeError):
    """A predicate or index that is not a scalar: a `ShapeError` (a
    `ValueError`) and, as JAX raises it, a `TypeError`."""


def check_callable(op: str, name: str, fn: Callable[..., Any]) -> Any:
    """`fn`, which must be callable."""
    if not callable(fn):
        raise NotCallableError(f"Op '{op}': {name} must be callable. Received: {name}={fn!r}")
    return fn


def _tracing() -> Any:
    return bool(_ACTIVE)


def is_symbolic_leaf(x: Any) -> Any:
    """Whether ops on `x` build a graph rather than compute: a symbolic or
    traced tensor, or a `Variable` while a model is being traced."""
    return C.is_symbolic(x) or (isinstance(x, Variable) and _tracing())


def any_symbolic(*structures: Any) -> Any:
    """Whether any leaf of `structures` is symbolic (see `is_symbolic_leaf`)."""
    return any(is_symbolic_leaf(v) for s in structures for v in tree.flatten(s))


def as_value(x: Any) -> Any:
    """One leaf as a loop or branch value, as Keras (on JAX) sees it: Python
    numbers become 0-d arrays (int32, float32 or bool, JAX's types for them),
    variables outside a trace their current value; tensors, arrays and
    `None` are left as they are."""
    if x is None or C.is_symbolic(x):
        return x
    if isinstance(x, Variable):
        return x if _tracing() else x.numpy()
    if isinstance(x, (bool, np.bool_)):
        return np.asarray(x, np.bool_)
    if isinstance(x, int):
        fits = -(2**31) <= x < 2**31
        return np.asarray(x, np.int32 if fits else np.int64)
    if isinstance(x, float):
        return np.asarray(x, np.float32)
    if isinstance(x, (np.generic, np.ndarray)):
        x = np.asarray(x)
        # float64 becomes float32, Keras's float type (JAX's without x64);
        # integer arrays keep their type, as pykeras's other ops keep them.
        return x.astype(np.float32) if x.dtype == np.float64 else x
    return x


def as_values(structure: Any) -> Any:
    """`as_value` on every leaf of `structure`."""
    return tree.map_structure(as_value, structure)


def leaf_shape(x: Any) -> Any:
    """The static shape of a leaf (None entries unknown), or None when it
    is not known at all (a traced tensor of unknown shape)."""
    if x is None:
        return None
    if isinstance(x, Variable):
        return tuple(x.shape)
    shape = getattr(x, "shape", None)
    if shape is None:
        return None if hasattr(x, "tracer") else tuple(np.shape(x))
    return tuple(None if d is None else int(d) for d in shape)


def _shapes_differ(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return False
    return len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b))


def check_same(op: str, what: str, expected: Any, got: Any) -> None:
    """Raises unless `got` has the structure and static shapes of
    `expected` (lists and tuples match each other; unknown sizes match any)."""
    try:
        tree.assert_same_paths(expected, got)
    except ValueError as e:
        raise StructureError(
            f"Op '{op}': {what} must have the same structure. Received: {_describe(expected)} "
            f"and {_describe(got)} ({e})"
        ) from None
    for a, b in zip(tree.flatten(expected), tree.flatten(got)):
        if (a is None) != (b is None):
            raise StructureError(
                f"Op '{op}': {what} must have the same structure (None in the same places). "
                f"Received: {_describe(expected)} and {_describe(got)}"
            )
        sa, sb = leaf_shape(a), leaf_shape(b)
        if _shapes_differ(sa, sb):
            raise ShapeError(
                f"Op '{op}': {what} must have the same shapes. Received: shape "
                f"{C.dims_text(sa)} and shape {C.dims_text(sb)} "
                f"(in {_describe(expected)} and {_describe(got)})"
            )


def _describe(structure: Any) -> Any:
    def leaf(x: Any) -> Any:
        if x is None:
            return None
        shape = leaf_shape(x)
        return "tensor(?)" if shape is None else f"tensor{C.dims_text(shape)}"

    try:
        return repr(tree.map_structure(leaf, structure))
    except Exception:  # an exotic structure: its type is description enough
        return type(structure).__name__


def static_int(op: str, name: str, value: Any, low: int | None = None) -> Any:
    """An int known now: a Python or NumPy integer or a 0-d integer array."""
    if is_symbolic_leaf(value):
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be known when the graph is built (an int), so that the "
            f"loop can be unrolled into it; a tensor's value is known only at run time. "
            f"Received: {name}={value!r}"
        )
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    return C.check_int(op, name, value, low)


def scalar_truth(op: str, name: str, value: Any) -> Any:
    """A predicate's truth value known now, as a Python bool (a scalar only)."""
    if isinstance(value, Variable):
        value = value.numpy()
    array = np.asarray(value)
    if array.ndim != 0:
        raise NotScalarError(
            f"Op '{op}': {name} must be a scalar. Received: a value of shape "
            f"{C.dims_text(array.shape)}"
        )
    return bool(array)


def scalar_tensor(op: str, name: str, value: Any) -> Any:
    """A symbolic predicate or index, which must be a scalar (rank 0), as in JAX."""
    shape = leaf_shape(value)
    # One element in any rank is accepted: a traced graph makes a 0-d constant
    # 1-D (`ops.sum(x) > 0` then has shape (1,)), so a scalar test can arrive so.
    if shape is None or any(d != 1 for d in shape):
        raise NotScalarError(
            f"Op '{op}': {name} must be a scalar (a tensor of shape ()). Received: a tensor "
            f"of shape {'unknown' if shape is None else C.dims_text(shape)}"
        )
    return value if shape == () else run("reshape", [value], shape=[])


def select(op: str, mask: Any, when_true: Any, when_false: Any) -> Any:
    """Leaf by leaf, `when_true` where the scalar `mask` is non-zero, else
    `when_false` (the `where` primitive: the gradient flows into the selected
    values only)."""

    def pick(a: Any, b: Any) -> Any:
        if a is None:
            return None
        return run("where", [mask, a, b])

    check_same(op, "the two values to select between", when_true, when_false)
    return tree.map_structure(pick, when_true, when_false)


def leading_size(op: str, structure: Any, name: str) -> Any:
    """The common size of axis 0 of the leaves of `structure`, known now."""
    leaves = tree.flatten(structure)
    if not leaves:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must hold at least one tensor. Received: {name}={structure!r}"
        )
    sizes = []
    for x in leaves:
        shape = leaf_shape(x)
        if shape is None or not shape:
            raise ShapeError(
                f"Op '{op}': every tensor in {name} needs a leading axis to loop over. "
                f"Received: {_describe(structure)}"
            )
        if shape[0] is None:
            raise ShapeError(
                f"Op '{op}' unrolls its loop into the graph, so it needs the size of axis 0 of "
                f"{name} when the graph is built; here it is known only at run time (the batch "
                f"size of a symbolic tensor). Move a known-size axis first (e.g. time, with "
                f"`ops.moveaxis`) or run the model eagerly. Received: {_describe(structure)}"
            )
        sizes.append(shape[0])
    if len(set(sizes)) != 1:
        raise ShapeError(
            f"Op '{op}': the tensors in {name} must have the same size along axis 0. "
            f"Received: {_describe(structure)}"
        )
    return sizes[0]


def _graph_tensor(x: Any) -> Any:
    """A variable inside a trace as a graph tensor (indexing it then adds nodes)."""
    if isinstance(x, Variable):
        return _ACTIVE[-1].variable_tensor(x)
    return x


def item(structure: Any, i: int) -> Any:
    """Element `i` along axis 0 of every leaf of `structure`."""

    def one(x: Any) -> Any:
        if is_symbolic_leaf(x):
            return _graph_tensor(x)[i]
        return np.asarray(x)[i]

    return tree.map_structure(one, structure)


def item_at(x: Any, index: Any) -> Any:
    """`x[index]` for a tuple of ints, on one leaf."""
    if is_symbolic_leaf(x):
        return _graph_tensor(x)[index]
    return np.asarray(x)[index]


def zeros_item(structure: Any) -> Any:
    """Zeros shaped like one element of every leaf of `structure`, for a
    loop of zero steps whose body must still be called once for its output's
    shapes (as JAX traces it)."""

    def one(x: Any) -> Any:
        shape = leaf_shape(x)
        if shape is None or None in shape:
            raise ShapeError("a loop of zero steps needs its inputs' shapes known now")
        dtype = np.float32 if is_symbolic_leaf(x) else np.asarray(x).dtype
        return np.zeros(shape[1:], dtype)

    return tree.map_structure(one, structure)


def stack(op: str, steps: Any, template: Any = None) -> Any:
    """The per-step outputs `steps` (structures alike) stacked along a new
    axis 0, leaf by leaf; `template` gives the shapes of an empty stack."""
    if not steps:
        return tree.map_structure(lambda y: _empty(op, y), template)
    for s in steps[1:]:
        check_same(op, "the outputs of every step", steps[0], s)

    def join(*leaves: Any) -> Any:
        if leaves[0] is None:
            return None
        if any(is_symbolic_leaf(v) for v in leaves):
            return C.concat(op, [expand_dims(_graph_tensor(v), 0) for v in leaves], 0)
        return np.stack([np.asarray(as_value(v)) for v in leaves])

    try:
        return tree.map_structure(join, *steps)
    except ValueError:  # lists in some steps, tuples in others
        return tree.map_structure(join, *[tree.lists_to_tuples(s) for s in steps])


def _empty(op: str, y: Any) -> Any:
    if y is None:
        return None
    shape = leaf_shape(y)
    if shape is None or None in shape:
        raise ShapeError(
            f"Op '{op}': a loop of zero steps needs its output's shape when the graph is built. "
            f"Received: {_describe(y)}"
        )
    dtype = np.float32 if is_symbolic_leaf(y) else np.asarray(as_value(y)).dtype
    return np.zeros((0,) + shape, dtype)


def take_range(x: Any, axis: Any, start: Any, stop: Any) -> Any:
    """`x[start:stop]` along `axis` (already non-negative)."""
    if is_symbolic_leaf(x):
        x = _graph_tensor(x)
        rank = len(leaf_shape(x))
        starts = [start if a == axis else 0 for a in range(rank)]
        sizes = [stop - start if a == axis else -1 for a in range(rank)]
        return run("slice", [x], start_indices=starts, shape=sizes)
    x = np.asarray(x)
    return x[(slice(None),) * axis + (slice(start, stop),)]


def join(op: str, parts: Any, axis: Any) -> Any:
    """`parts` joined along `axis` (already non-negative)."""
    if any(is_symbolic_leaf(p) for p in parts):
        return C.concat(op, [_graph_tensor(p) for p in parts], axis)
    return np.concatenate([np.asarray(p) for p in parts], axis=axis)
