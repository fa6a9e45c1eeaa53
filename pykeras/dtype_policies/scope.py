"""The compute precision of matrix products, set by the layer being called.

`Layer.__call__` enters `compute_dtype_scope(layer.compute_dtype)`, and the ops
that multiply matrices (`PRECISION_OPS`) read `product_precision()` when they
are recorded or run: under a `mixed_bfloat16` layer they get the attribute
`precision="bfloat16"`, so the Rust primitive rounds its operands to bf16 and
accumulates in float32, forward and backward. The attribute is part of the
op's graph node, so a model traced once keeps each layer's precision however
it is later run. Nested layers set their own: a float32 layer inside a
`mixed_bfloat16` model computes in float32, as in Keras.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Primitive ops that take a `precision` attribute ("float32" or "bfloat16").
PRECISION_OPS = frozenset({"matmul", "conv1d", "conv2d"})

_PRECISION: ContextVar[str] = ContextVar("pykeras_product_precision", default="float32")


@contextmanager
def compute_dtype_scope(compute_dtype: str) -> Iterator[None]:
    """Makes matrix products inside the block compute in `compute_dtype`.

    Args:
        compute_dtype: a layer's compute dtype; `"bfloat16"` selects bf16
            products, anything else float32 ones.

    Example:

    >>> import numpy as np
    >>> with compute_dtype_scope("bfloat16"):
    ...     y = keras.ops.matmul(np.ones((2, 3)), np.ones((3, 4)))
    """
    token = _PRECISION.set("bfloat16" if compute_dtype == "bfloat16" else "float32")
    try:
        yield
    finally:
        _PRECISION.reset(token)


def product_precision() -> str:
    """The precision matrix products take here: `"float32"` or `"bfloat16"`."""
    return _PRECISION.get()


__all__ = ["PRECISION_OPS", "compute_dtype_scope", "product_precision"]
