"""Exception classes raised by pykeras.

Each is a subclass of the builtin a Keras user already catches:

- `ShapeError` (`ValueError`): a tensor had a shape the op or layer cannot take.
- `DTypeError` (`TypeError`): a tensor had an element type the op cannot take.
- `OutOfRangeError` (`ValueError`): an index or label was outside its range.
- `InvalidArgumentError` (`ValueError`): an op argument was missing or wrong.
- `GraphError` (`ValueError`): a graph was built or run wrongly.
"""

from pykeras._core import (
    DTypeError,
    GraphError,
    InvalidArgumentError,
    OutOfRangeError,
    ShapeError,
)

__all__ = [
    "DTypeError",
    "GraphError",
    "InvalidArgumentError",
    "OutOfRangeError",
    "ShapeError",
]
