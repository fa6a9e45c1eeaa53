"""Exception classes raised by pykeras.

Each is a subclass of the builtin a Keras user already catches:

- `ShapeError` (`ValueError`): a tensor had a shape the op or layer cannot take.
- `DTypeError` (`TypeError`): a tensor had an element type the op cannot take.
- `OutOfRangeError` (`ValueError`): an index or label was outside its range.
- `InvalidArgumentError` (`ValueError`): an op argument was missing or wrong.
- `GraphError` (`ValueError`): a graph was built or run wrongly.
- `FileFormatError` (`ValueError`): a saved model or weights file, or model
  JSON / YAML text, cannot be read: truncated, corrupt, of another format, or
  describing something pykeras cannot build. The message names the file (or the
  text), what was expected and what was found.
- `ConfigTypeError` (`TypeError`): a saved model's config, in a file or text,
  gives a class an argument of a type it cannot take or one it does not have.
"""

from __future__ import annotations

from pykeras._core import (
    DTypeError,
    GraphError,
    InvalidArgumentError,
    OutOfRangeError,
    ShapeError,
)


class ConfigTypeError(TypeError):
    """A saved model's config (a file's, or JSON / YAML text) that gives a class an
    argument of the wrong type or one it does not take; the message names the file
    or text and the class."""


class FileFormatError(ValueError):
    """A saved model or weights file, or model JSON / YAML text, that cannot be read.

    Raised by `load_model`, `load_weights`, `model_from_json`, `model_from_yaml`
    and `model_from_config` for content that is truncated, corrupt, of another
    format, or that describes something pykeras cannot build; the message names
    the file, what was expected, and ends with what was received. A missing file
    is a `FileNotFoundError` instead.

    Example:

    >>> keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]).save("model.keras")
    >>> data = open("model.keras", "rb").read()
    >>> _ = open("damaged.keras", "wb").write(data[: len(data) // 2])
    >>> try:
    ...     pykeras.models.load_model("damaged.keras")
    ... except pykeras.errors.FileFormatError as e:
    ...     print(e)
    'damaged.keras' is not a readable `.keras` zip archive: File is not a zip file
    """


__all__ = [
    "DTypeError",
    "FileFormatError",
    "GraphError",
    "InvalidArgumentError",
    "OutOfRangeError",
    "ShapeError",
]
