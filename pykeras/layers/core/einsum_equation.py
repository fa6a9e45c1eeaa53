"""What an `EinsumDense` equation asks for: kernel, bias and output shapes.

Keras accepts three forms, `ab,bc->ac`, `...ab,bc->...ac` and
`ab...,bc->ac...`; anything else, a weight label found in neither the input
nor the output, an output label found in neither the input nor the weight,
or a bias label outside the output is refused with a `ValueError` naming the
layer, what was expected and what was received.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from pykeras.errors import InvalidArgumentError, ShapeError


class EinsumShapes(NamedTuple):
    """Shapes an equation gives for one input shape."""

    kernel: tuple
    bias: tuple | None
    output: tuple
    input_axes: tuple
    output_axes: tuple


# (pattern, ellipsis on the left, has an ellipsis), "..." written as "0".
_FORMS = (
    (r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False, False),
    (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True, True),
    (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False, True),
)


def analyze(
    layer: str, equation: str, bias_axes: str | None, input_shape: Any, output_shape: Any
) -> EinsumShapes:
    """Kernel, bias and output shapes of `equation` on inputs of `input_shape`.

    Args:
        layer: the layer's name, for messages.
        equation: the einsum equation.
        bias_axes: output labels that get a bias, or None.
        input_shape: the input's shape (batch first, None where unknown).
        output_shape: the partial output shape given to the layer.

    Returns:
        An `EinsumShapes`.
    """
    if not isinstance(equation, str):
        raise InvalidArgumentError(
            f"Layer '{layer}' expected `equation` to be a string. Received: equation={equation!r}"
        )
    text = re.sub(r"\.\.\.", "0", equation)
    for pattern, left_elided, ellipsis in _FORMS:
        match = re.fullmatch(pattern, text)
        if match:
            return _analyze_split(layer, match.groups(), bias_axes, tuple(input_shape),
                                  output_shape, left_elided, ellipsis)  # fmt: skip
    raise InvalidArgumentError(
        f"Layer '{layer}' got an invalid einsum equation '{equation}'. Equations must be in the "
        "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z].... "
        f"Received: equation={equation!r}"
    )


def _analyze_split(
    layer: Any,
    groups: Sequence[str],
    bias_axes: str | None,
    input_shape: Any,
    output_shape: Any,
    left_elided: Any,
    ellipsis: Any,
) -> Any:
    input_spec, weight_spec, output_spec = groups
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and not ellipsis):
        raise ShapeError(
            f"Layer '{layer}' expected inputs of rank {len(input_spec)} for the input spec "
            f"'{input_spec}'. Received: input_shape={input_shape}"
        )
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            out.insert(1, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided :])
    if left_elided:
        input_dim_map = {d: (i + elided) - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim_map = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim_map = {d: i for i, d in enumerate(input_spec)}
        output_dim_map = {d: i for i, d in enumerate(output_spec)}
    if len(out) != len(output_spec) + max(elided, 0):
        given = output_shape if isinstance(output_shape, int) else tuple(output_shape)
        raise ShapeError(
            f"Layer '{layer}' expected `output_shape` to give the {len(output_spec) - 1} "
            f"non-batch sizes of the output spec '{output_spec}'. Received: "
            f"output_shape={given}"
        )
    for dim in input_spec:
        size_in = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            size_out = out[output_dim_map[dim]]
            if size_out is not None and size_in is not None and size_out != size_in:
                raise ShapeError(
                    f"Layer '{layer}': input shape and output shape do not match at shared "
                    f"dimension '{dim}'. Input shape is {size_in}, and output shape is "
                    f"{size_out}. Received: input_shape={input_shape}"
                )
            if size_out is None:
                out[output_dim_map[dim]] = size_in
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise InvalidArgumentError(
                f"Layer '{layer}': dimension '{dim}' was specified in the output "
                f"'{output_spec}' but has no corresponding dim in the input spec "
                f"'{input_spec}' or weight spec '{weight_spec}'"
            )
    kernel, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            kernel.append(out[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            kernel.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise InvalidArgumentError(
                f"Layer '{layer}': weight dimension '{dim}' did not have a match in either "
                f"the input spec '{input_spec}' or the output spec '{output_spec}'. For this "
                "layer, the weight must be fully specified."
            )
    if any(d is None for d in kernel):
        raise ShapeError(
            f"Layer '{layer}' needs known sizes for every kernel axis '{weight_spec}'. "
            f"Received: input_shape={input_shape}, output_shape={tuple(out[1:])}"
        )
    bias: Any = None
    if bias_axes is not None:
        for char in bias_axes:
            if char not in output_spec:
                raise InvalidArgumentError(
                    f"Layer '{layer}': bias dimension '{char}' was requested, but is not part "
                    f"of the output spec '{output_spec}'. Received: bias_axes={bias_axes!r}"
                )
        offset = elided if left_elided else 0
        sizes = {c: out[i + offset] for i, c in enumerate(output_spec)}
        first = min(output_spec.find(c) for c in bias_axes)
        bias = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias.extend([1] * max(elided, 0))
        bias = tuple(bias)
    return EinsumShapes(tuple(kernel), bias, tuple(out), tuple(input_axes), tuple(output_axes))
