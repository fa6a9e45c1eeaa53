"""Control flow: cond, switch, fori_loop, while_loop, scan, map, vectorized_map,
associative_scan and vectorize.

Eagerly (NumPy arrays, Python numbers, `Variable`s) each runs as in Keras 3,
calling the given functions with NumPy values, over nested structures
(`pykeras.tree`). Python numbers become 0-d arrays of JAX's types for them
(int32, float32, bool); NumPy arrays keep their dtype.

In models (symbolic `KerasTensor`s of a Functional model, or a subclassed
model traced into one Rust graph) there is no loop or branch node: loops with
a trip count known when the graph is built are unrolled into it, and a
branch on a tensor predicate runs both branches and selects with the `where`
primitive. The result is built from primitives, so it trains (gradients flow
through the unrolled steps and into the selected branch) and saves like any
other model. Results in models are the core's float32 tensors.

`custom_gradient` is not provided: its gradient function would have to be
called from the Rust executor's backward pass, which runs no Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import tree
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _control_flow as F
from pykeras.ops._control_flow import StructureError
from pykeras.ops._dispatch import run
from pykeras.ops._vectorize import vectorize

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "associative_scan",
    "cond",
    "fori_loop",
    "map",
    "scan",
    "switch",
    "vectorize",
    "vectorized_map",
    "while_loop",
]


def cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    """Conditionally applies `true_fn` or `false_fn`.

    With a predicate known now (a Python or NumPy bool, an eager array) only
    the chosen function runs. With a tensor predicate in a model, both run,
    and their outputs, which must have the same structure and shapes, are
    combined with the `where` primitive: the gradient flows into the chosen
    branch only (as with `jnp.where`, an unchosen branch that produces inf or
    NaN can still spoil it).

    Args:
        pred: Boolean scalar type.
        true_fn: Callable returning the output for the `pred == True` case.
        false_fn: Callable returning the output for the `pred == False` case.

    Returns:
        The output of either `true_fn` or `false_fn` depending on pred.

    Example:

    >>> keras.ops.cond(np.array(3.0) > 2, lambda: 1.0, lambda: 0.0)
    array(1., dtype=float32)
    """
    F.check_callable("cond", "true_fn", true_fn)
    F.check_callable("cond", "false_fn", false_fn)
    if not F.is_symbolic_leaf(pred):
        chosen = true_fn if F.scalar_truth("cond", "pred", pred) else false_fn
        return F.as_values(chosen())
    mask = F.scalar_tensor("cond", "pred", pred)
    when_true, when_false = true_fn(), false_fn()
    F.check_same("cond", "the outputs of true_fn and false_fn", when_true, when_false)
    return F.select("cond", mask, when_true, when_false)


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """Apply exactly one of the `branches` given by `index`.

    If `index` is out of bounds, it is clamped to within bounds. With an
    index known now only that branch runs. With a tensor index in a model
    every branch runs on `operands`, and a chain of `where` selections picks
    the output of branch `clip(index, 0, len(branches) - 1)` (a fractional
    index counts as its floor); the branches' outputs must then have the same
    structure and shapes.

    Args:
        index: An integer scalar indicating which branch function to apply.
        branches: A sequence of functions to be applied based on `index`.
        operands: Inputs to whichever branch is applied.

    Returns:
        The outputs of `branch(*operands)` for the branch that was selected
        based on `index`.

    Example:

    >>> keras.ops.switch(1, [lambda x, y: x + y, lambda x, y: x - y], 2.0, 0.5)
    array(1.5, dtype=float32)
    """
    if callable(branches) or not isinstance(branches, (list, tuple)):
        raise InvalidArgumentError(
            f"Op 'switch': branches must be a list or tuple of functions. "
            f"Received: branches={branches!r}"
        )
    if not branches:
        raise InvalidArgumentError("Op 'switch': branches must not be empty. Received: []")
    for i, branch in enumerate(branches):
        F.check_callable("switch", f"branches[{i}]", branch)
    last = len(branches) - 1
    if not F.is_symbolic_leaf(index):
        array = np.asarray(index.numpy() if hasattr(index, "numpy") else index)
        if array.ndim != 0 or array.dtype.kind not in "biuf":
            raise InvalidArgumentError(
                f"Op 'switch': index must be an integer scalar. Received: index={index!r}"
            )
        chosen = min(max(int(array), 0), last)
        return F.as_values(branches[chosen](*operands))
    position = run("cast", [F.scalar_tensor("switch", "index", index)], dtype="float32")
    outputs = [branch(*operands) for branch in branches]
    for k in range(1, len(outputs)):
        F.check_same("switch", "the outputs of every branch", outputs[0], outputs[k])
    result = outputs[0]
    for k in range(1, len(outputs)):
        # index >= k picks branch k over the lower ones, so indices past the
        # end get the last branch and negative ones the first.
        reached = run("greater_equal", [position, np.float32(k)])
        result = F.select("switch", reached, outputs[k], result)
    return result


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    """For loop implementation.

    Runs `val = body_fun(i, val)` for `i` in `range(lower, upper)` (no step
    when `upper <= lower`, as in Keras). `i` is a Python int. In a model the
    bounds must be ints known when the graph is built, and the loop is
    unrolled into it.

    Args:
        lower: The initial value of the loop variable.
        upper: The upper bound of the loop variable.
        body_fun: A callable that represents the loop body. Must take two
            arguments: the loop variable and the loop state. The loop state
            should be updated and returned by this function.
        init_val: The initial value of the loop state (any nested structure).

    Returns:
        The final state after the loop.

    Example:

    >>> keras.ops.fori_loop(0, 10, lambda i, s: s + i, 0)
    array(45, dtype=int32)
    """
    F.check_callable("fori_loop", "body_fun", body_fun)
    lower = F.static_int("fori_loop", "lower", lower)
    upper = F.static_int("fori_loop", "upper", upper)
    val = F.as_values(init_val)
    for i in range(lower, upper):
        new = body_fun(i, val)
        F.check_same("fori_loop", "init_val and the value body_fun returns", val, new)
        val = F.as_values(new)
    return val


def while_loop(
    cond: Callable, body: Callable, loop_vars: Any, maximum_iterations: int | None = None
) -> Any:
    """While loop implementation.

    Eagerly, and in models while `cond` returns a Python bool (it depends on
    values known when the graph is built), the loop runs (or unrolls) step by
    step. A `cond` that returns a tensor in a model has no value to stop on:
    then `maximum_iterations` is required, and the loop is unrolled that many
    times, each step's result kept only while every `cond` so far held
    (`where` masks; the body still runs, masked out, after the loop is done).

    Args:
        cond: A callable that represents the termination condition of the loop.
            Must accept a `loop_vars` like structure as an argument. If
            `loop_vars` is a tuple or list, each element of `loop_vars` will be
            passed positionally to the callable.
        body: A callable that represents the loop body. Must accept a
            `loop_vars` like structure as an argument, and return update value
            with the same structure. If `loop_vars` is a tuple or list, each
            element of `loop_vars` will be passed positionally to the callable.
        loop_vars: An arbitrary nested structure of tensor state to persist
            across loop iterations.
        maximum_iterations: Optional maximum number of iterations of the while
            loop to run. If provided, the `cond` output is AND-ed with an
            additional condition ensuring the number of iterations executed is
            no greater than `maximum_iterations`.

    Returns:
        A tuple of tensors (for a tuple or list `loop_vars`), or the one
        structure, with the same shapes as `loop_vars`.

    Example:

    >>> keras.ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y + 1), (0, 1))
    (array(10, dtype=int32), array(11, dtype=int32))
    """
    F.check_callable("while_loop", "cond", cond)
    F.check_callable("while_loop", "body", body)
    if maximum_iterations is not None:
        maximum_iterations = F.static_int("while_loop", "maximum_iterations", maximum_iterations)
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = F.as_values(tuple(loop_vars) if is_tuple else (loop_vars,))

    def step(values: Any) -> Any:
        out = body(*values)
        if is_tuple:
            if not isinstance(out, (tuple, list)):
                raise StructureError(
                    "Op 'while_loop': body must return a tuple or list like loop_vars. "
                    f"Received: {out!r}"
                )
            out = tuple(out)
        else:
            out = (out,)
        F.check_same("while_loop", "loop_vars and the value body returns", values, out)
        return F.as_values(out)

    mask, count = None, 0
    while maximum_iterations is None or count < maximum_iterations:
        going = cond(*state)
        if mask is None and not F.is_symbolic_leaf(going):
            if not F.scalar_truth("while_loop", "the value cond returns", going):
                break
            state = step(state)
        elif maximum_iterations is None:
            raise InvalidArgumentError(
                "Op 'while_loop': cond returned a tensor whose value is known only at run "
                "time, and a model's graph has no loop that stops on a value. Pass "
                "maximum_iterations (the loop is then unrolled that many times, with masks), "
                f"or run the model eagerly (run_eagerly=True). Received: {going!r}"
            )
        else:
            if not F.is_symbolic_leaf(going):
                if not F.scalar_truth("while_loop", "the value cond returns", going):
                    break  # the mask is off from here on: later steps change nothing
            else:
                going = F.scalar_tensor("while_loop", "the value cond returns", going)
                truth = run("not_equal", [going, np.float32(0)])
                mask = truth if mask is None else run("mul", [mask, truth])
            state = F.select("while_loop", mask, step(state), state)
        count += 1
    return state if is_tuple else state[0]


def scan(
    f: Callable,
    init: Any,
    xs: Sequence[TensorLike] | None = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Any, Tensor]:
    """Scan a function over leading array axes while carrying along state.

    The semantics are those of this Python loop:

    ```python
    def scan(f, init, xs, length=None):
        if xs is None:
            xs = [None] * length
        carry = init
        ys = []
        for x in xs:
            carry, y = f(carry, x)
            ys.append(y)
        return carry, np.stack(ys)
    ```

    In a model the number of steps (the size of axis 0 of `xs`, or
    `length`) must be known when the graph is built: the loop is unrolled
    into it. `unroll` is checked as in Keras and otherwise has no effect.

    Args:
        f: Callable defines the logic for each loop iteration. This accepts two
            arguments where the first is a value of the loop carry and the
            second is a slice of `xs` along its leading axis.
            This callable returns a pair where the first represents a new value
            for the loop carry and the second represents a slice of the output.
        init: The initial loop carry value. This can be a scalar, tensor, or any
            nested structure. It must match the structure of the first element
            returned by `f`.
        xs: Optional value to scan along its leading axis. This can be a tensor
            or any nested structure. If `xs` is not provided, you must specify
            `length` to define the number of loop iterations.
            Defaults to `None`.
        length: Optional integer specifying the number of loop iterations.
            If `length` is not provided, it defaults to the sizes of leading
            axis of the arrays in `xs`. Defaults to `None`.
        reverse: Optional boolean specifying whether to run the scan iteration
            forward or in reverse, equivalent to reversing the leading axes of
            the arrays in both `xs` and in `ys`.
        unroll: Optional positive integer or boolean (how many iterations
            Keras's backends unroll; every step is unrolled here).

    Returns:
        A pair where the first element represents the final loop carry value and
        the second element represents the stacked outputs of `f` when scanned
        over the leading axis of the inputs.

    Example:

    >>> carry, ys = keras.ops.scan(lambda c, x: (c + x, c + x), 0, np.arange(1, 6))
    >>> carry, ys
    (array(15), array([ 1,  3,  6, 10, 15]))
    """
    F.check_callable("scan", "f", f)
    if not isinstance(unroll, (bool, np.bool_)):
        F.static_int("scan", "unroll", unroll, low=1)
    if length is not None:
        length = F.static_int("scan", "length", length, low=0)
    if xs is None:
        if length is None:
            raise InvalidArgumentError(
                "Op 'scan': length is required when xs is None. Received: xs=None, length=None"
            )
        steps = length
    else:
        xs = F.as_values(xs)
        steps = F.leading_size("scan", xs, "xs")
        if length is not None and length != steps:
            raise InvalidArgumentError(
                f"Op 'scan': length={length} disagrees with the size of axis 0 of xs "
                f"({steps}). Received: length={length}"
            )
    carry = F.as_values(init)

    def call(c: Any, x: Any) -> Any:
        out = f(c, x)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise StructureError(
                f"Op 'scan': f must return a pair (new carry, output). Received: {out!r}"
            )
        F.check_same("scan", "the carry init and the carry f returns", c, out[0])
        return F.as_values(out[0]), out[1]

    ys = [None] * steps
    for i in reversed(range(steps)) if reverse else range(steps):
        carry, ys[i] = call(carry, None if xs is None else F.item(xs, i))
    template = None
    if not steps:
        # JAX traces f once for the shapes of an empty ys; so do we.
        _, template = call(carry, None if xs is None else F.zeros_item(xs))
    return carry, F.stack("scan", ys, template)


def map(f: Callable, xs: Sequence[TensorLike]) -> Tensor:  # noqa: A001 - Keras's name
    """Map a function over leading array axes.

    Like Python's builtin map, except inputs and outputs are in the form of
    stacked arrays: `np.stack([f(x) for x in xs])`, over nested structures
    (`f` gets one element of every leaf, in `xs`'s structure, and may return
    any structure). In a model the size of axis 0 of `xs` must be known when
    the graph is built: one call of `f` per element is unrolled into it.

    Args:
        f: Callable defines the function to apply element-wise over the first
            axis or axes of `xs`.
        xs: Values over which to map along the leading axis.

    Returns:
        Mapped values.

    Example:

    >>> keras.ops.map(lambda x: x**2, np.arange(5))
    array([ 0,  1,  4,  9, 16])
    """
    return _map_leading("map", "f", f, xs, "xs")


def vectorized_map(function: Callable, elements: Any) -> Tensor:
    """Parallel map of `function` on axis 0 of tensor(s) `elements`.

    Schematically `np.stack([function(e) for e in elements])`; for a
    structure of tensors, `function` gets one structure of their `index`-th
    elements. It is computed exactly so: one call per element, eagerly as a
    loop and in a model unrolled over a size of axis 0 known when the graph
    is built (`function` is never assumed to accept a whole batch, which
    Keras does not require of it). A batch axis of unknown size raises; a
    function that works on whole batches can be called on them directly.

    Args:
        function: A callable applied to one element of `elements`.
        elements: A tensor or a nested structure of tensors of equal size
            along axis 0.

    Returns:
        The outputs of `function`, stacked along a new axis 0.

    Example:

    >>> keras.ops.vectorized_map(lambda x: keras.ops.sum(x), np.ones((3, 2)))
    array([2., 2., 2.], dtype=float32)
    """
    return _map_leading("vectorized_map", "function", function, elements, "elements")


def _map_leading(op: str, fn_name: Any, fn: Callable[..., Any], xs: Any, xs_name: Any) -> Any:
    F.check_callable(op, fn_name, fn)
    xs = F.as_values(xs)
    steps = F.leading_size(op, xs, xs_name)
    ys = [fn(F.item(xs, i)) for i in range(steps)]
    template = fn(F.zeros_item(xs)) if not steps else None
    return F.stack(op, ys, template)


def associative_scan(f: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Tensor:
    """Performs a scan with an associative binary operation, in parallel.

    `f` is applied to whole slices of `elems` at once, ceil(log2(n)) times
    (Hillis and Steele's scan), as Keras's contract allows: `f` must be
    associative and elementwise over the `axis` dimension. Floating-point
    results can differ from a sequential loop's by rounding. In a model, the
    size of `axis` must be known when the graph is built.

    Args:
        f: A Python callable implementing an associative binary operation with
            signature `r = f(a, b)`. The inputs and result are (possibly
            nested Python tree structures of) array(s) matching `elems`, each
            with a dimension in place of the `axis` dimension.
        elems: A (possibly nested Python tree structure of) array(s), each with
            an `axis` dimension of size `num_elems`.
        reverse: A boolean stating if the scan should be reversed with respect
            to the `axis` dimension.
        axis: an integer identifying the axis over which the scan should occur.

    Returns:
        A structure like `elems` in which the `k`'th element of `axis` is
        `f` applied recursively to the first `k` elements along `axis`
        (`[a, f(a, b), f(f(a, b), c), ...]`); with `reverse`, to the last
        ones (`[..., f(c, b), c]` for the last two).

    Example:

    >>> keras.ops.associative_scan(lambda x, y: x + y, np.arange(5))
    array([ 0,  1,  3,  6, 10])
    """
    F.check_callable("associative_scan", "f", f)
    leaves = [F.as_value(x) for x in tree.flatten(elems)]
    if not leaves:
        raise InvalidArgumentError(
            f"Op 'associative_scan': elems must hold at least one tensor. Received: {elems!r}"
        )
    axes, sizes = [], []
    for x in leaves:
        shape = F.leaf_shape(x)
        if shape is None:
            raise ShapeError(
                f"Op 'associative_scan' needs the rank of every tensor in elems. Received: {x!r}"
            )
        a = C.axis_of("associative_scan", axis, len(shape))
        axes.append(a)
        sizes.append(C.static_size("associative_scan", shape, a))
    if len(set(sizes)) != 1:
        raise ShapeError(
            "Op 'associative_scan': every tensor in elems must have the same size along the "
            f"scanned axis. Received: sizes {sizes} along axis {axis}"
        )
    n = sizes[0]

    def pack(values: Any) -> Any:
        return tree.pack_sequence_as(elems, values)

    def part(values: Any, start: Any, stop: Any) -> Any:
        return [F.take_range(x, a, start, stop) for x, a in zip(values, axes)]

    current, shift = leaves, 1
    while shift < n:
        # Each pass combines every element with the partial result `shift`
        # places before it (after it, reversed): log2(n) calls of f.
        early, late = part(current, 0, n - shift), part(current, shift, n)
        left, right = (late, early) if reverse else (early, late)
        combined = f(pack(left), pack(right))
        F.check_same(
            "associative_scan", "the slices f combines and f's result", pack(left), combined
        )
        combined = tree.flatten(combined)
        if reverse:
            kept = part(current, n - shift, n)
            current = [
                F.join("associative_scan", [c, k], a) for c, k, a in zip(combined, kept, axes)
            ]
        else:
            kept = part(current, 0, shift)
            current = [
                F.join("associative_scan", [k, c], a) for k, c, a in zip(kept, combined, axes)
            ]
        shift *= 2
    return pack(current)
