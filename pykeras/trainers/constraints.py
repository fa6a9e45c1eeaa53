"""Weight constraints inside the Rust training loop.

Keras projects a variable with its `constraint` right after each optimizer
update. pykeras traces the constraint on the variable's graph tensor once,
so the loop applies it after every update without returning to Python; a
constraint that cannot be traced (one written with NumPy) is applied in
Python after each batch instead.
"""

from __future__ import annotations

from typing import Any

from pykeras.engine.tracing import GraphTensor, Tracer


def trace_constraints(
    tracer: Tracer, variables: list[Any]
) -> tuple[list[tuple[int, int]], list[Any]]:
    """The constraints of `variables` as (variable node, projected value node)
    pairs of `tracer`'s graph, and the variables whose constraint must run in
    Python."""
    traced: list[tuple[int, int]] = []
    in_python: list[Any] = []
    for variable in variables:
        constraint = getattr(variable, "constraint", None)
        if constraint is None:
            continue
        value = tracer.variable_tensor(variable)
        try:
            projected = constraint(value)
            node = tracer.node_for(projected, what=f"the constraint of '{variable.path}'")
        except (TypeError, ValueError):
            # NumPy code on a graph tensor, or a shape only a real value has.
            in_python.append(variable)
            continue
        if isinstance(projected, GraphTensor) and projected.tracer is tracer:
            traced.append((value.node, node))
        else:
            # A constant projection (ignores its input): Python keeps Keras's
            # exact semantics for such an unusual constraint.
            in_python.append(variable)
    return traced, in_python


def apply_in_python(variables: list[Any]) -> None:
    """Projects each variable with its constraint, on its current value."""
    for v in variables:
        v.assign(v.constraint(v.numpy()))
