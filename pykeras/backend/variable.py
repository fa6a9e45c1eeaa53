"""Variables: the weights of layers.

A `Variable` is a handle to a slot of the Rust variable store; every graph
that uses it reads that slot, so models sharing a layer share its weights.
"""

import numpy as np

from pykeras import _core
from pykeras._convert import to_float32
from pykeras.errors import ShapeError


class Variable:
    """A named, mutable float32 tensor that layers own.

    Args:
        value: the initial value (array-like).
        name: the variable's short name, e.g. `"kernel"`.
        path: the full name, e.g. `"dense/kernel"`.
        trainable: whether training updates it.
        regularizer: an optional regularizer whose penalty training adds.
        constraint: an optional projection applied after each update.

    Example:

    >>> v = Variable(np.zeros((2, 3)), name="kernel", path="dense/kernel")
    >>> v.shape
    (2, 3)
    """

    def __init__(
        self, value, name="variable", path=None, trainable=True, regularizer=None, constraint=None
    ):
        array = np.ascontiguousarray(to_float32(value, f"variable '{name}'"))
        self._handle = _core.Variable(array)
        self._shape = tuple(array.shape)
        self.name = name
        self.path = path or name
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return "float32"

    @property
    def handle(self):
        """The `_core.Variable` that graphs reference."""
        return self._handle

    def numpy(self):
        """A copy of the current value as a numpy array."""
        return self._handle.numpy()

    @property
    def value(self):
        return self.numpy()

    def assign(self, value):
        """Replaces the value; the shape must stay the same."""
        array = np.ascontiguousarray(to_float32(value, f"variable '{self.path}'"))
        if tuple(array.shape) != self._shape:
            raise ShapeError(
                f"Variable '{self.path}' has shape {self._shape} and cannot be assigned a value "
                f"of another shape. Received: value.shape={tuple(array.shape)}"
            )
        self._handle.assign(array, self.path)

    def __array__(self, dtype=None, copy=None):
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __len__(self):
        return self._shape[0] if self._shape else 0

    def __repr__(self):
        return (
            f"<Variable path={self.path}, shape={self._shape}, dtype=float32, "
            f"value={np.array2string(self.numpy(), threshold=6, edgeitems=1)}>"
        )
