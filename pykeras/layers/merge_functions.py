"""The functional interface of the merge layers: `add([a, b])` is `Add()([a, b])`.

Each function makes the layer (passing on `**kwargs`, e.g. `name=`) and calls
it once, so on symbolic tensors the layer lands in the Functional graph (and in
`summary()` and saved files, as itself), and on arrays it computes eagerly.
Errors are the layer's own: a single tensor instead of a list, the wrong
number of inputs, or shapes that do not match raise what the class raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras.layers.merging.add import Add
from pykeras.layers.merging.average import Average
from pykeras.layers.merging.concatenate import Concatenate
from pykeras.layers.merging.dot import Dot
from pykeras.layers.merging.maximum import Maximum
from pykeras.layers.merging.minimum import Minimum
from pykeras.layers.merging.multiply import Multiply
from pykeras.layers.merging.subtract import Subtract


def add(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Add` layer.

    Args:
        inputs: A list of input tensors with the same shape (or shapes that
            broadcast).
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, the elementwise sum of the inputs.

    Example:

    >>> x1 = np.random.rand(2, 3, 4)
    >>> x2 = np.random.rand(2, 3, 4)
    >>> keras.layers.add([x1, x2]).shape
    (2, 3, 4)

    In a Functional model:

    >>> input1 = keras.Input(shape=(16,))
    >>> input2 = keras.Input(shape=(32,))
    >>> x1 = keras.layers.Dense(8, activation="relu")(input1)
    >>> x2 = keras.layers.Dense(8, activation="relu")(input2)
    >>> out = keras.layers.Dense(4)(keras.layers.add([x1, x2]))
    >>> model = keras.Model(inputs=[input1, input2], outputs=out)
    """
    return Add(**kwargs)(inputs)


def subtract(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Subtract` layer.

    Args:
        inputs: A list of exactly 2 input tensors of the same shape (or
            shapes that broadcast).
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, `inputs[0] - inputs[1]`.

    Example:

    >>> x1 = np.random.rand(2, 3, 4)
    >>> x2 = np.random.rand(2, 3, 4)
    >>> keras.layers.subtract([x1, x2]).shape
    (2, 3, 4)
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Multiply` layer.

    Args:
        inputs: A list of input tensors with the same shape (or shapes that
            broadcast).
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, the elementwise product of the inputs.

    Example:

    >>> x1 = np.random.rand(2, 3, 4)
    >>> x2 = np.random.rand(2, 3, 4)
    >>> keras.layers.multiply([x1, x2]).shape
    (2, 3, 4)
    """
    return Multiply(**kwargs)(inputs)


def average(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Average` layer.

    Args:
        inputs: A list of input tensors with the same shape (or shapes that
            broadcast).
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, the elementwise mean of the inputs.

    Example:

    >>> x1 = np.random.rand(2, 3, 4)
    >>> x2 = np.random.rand(2, 3, 4)
    >>> keras.layers.average([x1, x2]).shape
    (2, 3, 4)
    """
    return Average(**kwargs)(inputs)


def maximum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Maximum` layer.

    Args:
        inputs: A list of input tensors with the same shape (or shapes that
            broadcast).
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, the elementwise maximum of the inputs.

    Example:

    >>> x1 = np.random.rand(2, 3, 4)
    >>> x2 = np.random.rand(2, 3, 4)
    >>> keras.layers.maximum([x1, x2]).shape
    (2, 3, 4)
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs: Sequence[Any], **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Minimum` layer.

    Args:
        inputs: A list of input tensors with the same shape (or shapes that
            broadcast).
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, the elementwise minimum of the inputs.

    Example:

    >>> x1 = np.random.rand(2, 3, 4)
    >>> x2 = np.random.rand(2, 3, 4)
    >>> keras.layers.minimum([x1, x2]).shape
    (2, 3, 4)
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Concatenate` layer.

    Args:
        inputs: A list of input tensors, of the same shape except along
            `axis`.
        axis: Concatenation axis.
        **kwargs: Standard layer keyword arguments (e.g. `name`).

    Returns:
        A tensor, the concatenation of the inputs along `axis`.

    Example:

    >>> x1 = np.random.rand(2, 3)
    >>> x2 = np.random.rand(2, 4)
    >>> keras.layers.concatenate([x1, x2]).shape
    (2, 7)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: int | Sequence[int] = -1, **kwargs: Any) -> Any:
    """Functional interface to the `keras.layers.Dot` layer.

    Args:
        inputs: A list of 2 input tensors.
        axes: Integer or tuple of integers, the axis or axes along which to
            take the dot product. The batch axis (0) cannot be included.
        **kwargs: Standard layer keyword arguments (e.g. `name`), and the
            `Dot` layer's `normalize`: whether to L2-normalize the samples
            along the dot product axes first (the result is then the cosine
            similarity).

    Returns:
        A tensor, the dot product of the samples from the inputs.

    Example:

    >>> x1 = np.random.rand(2, 5)
    >>> x2 = np.random.rand(2, 5)
    >>> keras.layers.dot([x1, x2], axes=1).shape
    (2, 1)
    """
    return Dot(axes=axes, **kwargs)(inputs)
