"""The einsum equations of multi-head attention, as Keras 3 builds them, so
that weights have Keras's layouts and `attention_axes` works on any rank."""

from __future__ import annotations

import string
from collections.abc import Sequence


def _letter(i: int) -> str:
    return string.ascii_lowercase[i]


def attention_equations(rank: int, attn_axes: tuple) -> tuple[str, str, int]:
    """(query-key equation, combine equation, rank of the scores).

    Projected query, key and value are `(batch, <other dims>, <attention
    dims>, heads, channels)`; the scores are `(batch, <other dims>, heads,
    <query attention dims>, <key attention dims>)`.
    """
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = tuple(i for i in range(rank) if i not in attn_axes and i != rank - 1)
    offset = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = "".join(
        [target[i] for i in batch_dims]
        + [target[i] for i in attn_axes]
        + [source[i] for i in attn_axes]
    )
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str, int]:
    """(equation, bias axes, output rank) of a projection inside attention."""
    input_str = kernel_str = output_str = bias_axes = ""
    for i in range(free_dims):
        input_str += _letter(i)
        output_str += _letter(i)
    for i in range(bound_dims):
        char = _letter(free_dims + i)
        input_str += char
        kernel_str += char
    for i in range(output_dims):
        char = _letter(free_dims + bound_dims + i)
        kernel_str += char
        output_str += char
        bias_axes += char
    return f"{input_str},{kernel_str}->{output_str}", bias_axes, len(output_str)


def partial_output_shape(output_rank: int, known_last_dims: Sequence[int | None]) -> list:
    """`output_shape` for an `EinsumDense`: unknown leading sizes, then the known ones."""
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)
