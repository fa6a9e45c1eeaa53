"""`keras.device`: device placement. pykeras computes on the CPU only, so
the CPU is the one device a scope can name; naming another fails at once,
listing what there is, rather than silently running elsewhere."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from pykeras.errors import InvalidArgumentError

# The devices pykeras has (Keras's "device_type:device_index" names).
AVAILABLE_DEVICES = ("cpu:0",)

_state = threading.local()


def parse_device_name(device_name: str) -> tuple[str, int]:
    """`(device_type, device_index)` of a name such as `"cpu"` or `"CPU:0"`,
    read as Keras reads it (case-insensitive, the index 0 by default).

    Raises:
        ValueError: not a string, a malformed index, or a device pykeras
            does not have.
    """
    if not isinstance(device_name, str):
        raise InvalidArgumentError(
            "Invalid value for argument `device_name`. Expected a string like 'cpu:0'. "
            f"Received: device_name='{device_name}'"
        )
    name = device_name.lower()
    parts = name.split(":")
    if len(parts) > 2:
        raise InvalidArgumentError(
            "Invalid value for argument `device_name`: expected 'device_type' or "
            f"'device_type:device_index', such as 'cpu:0'. Received: device_name='{device_name}'"
        )
    device_type = parts[0]
    try:
        index = int(parts[1]) if len(parts) == 2 else 0
    except ValueError:
        raise InvalidArgumentError(
            "Invalid value for argument `device_name`: the device index must be an int, as in "
            f"'cpu:0'. Received: device_name='{device_name}'"
        ) from None
    if f"{device_type}:{index}" not in AVAILABLE_DEVICES:
        raise InvalidArgumentError(
            f"Device not found: {name}. pykeras runs on the CPU only; available devices: "
            f"{list(AVAILABLE_DEVICES)}. Received: device_name='{device_name}'"
        )
    return device_type, index


def device(device_name: str) -> contextlib.AbstractContextManager[None]:
    """Context manager for device placement.

    Operations and tensors created inside run on the named device. pykeras
    computes on the CPU only, so `"cpu"` and `"cpu:0"` (any case) are the
    names it accepts; any other device raises a `ValueError` listing the
    available ones.

    Args:
        device_name: a string `"device_type:device_index"`, e.g. `"cpu:0"`
            (the index defaults to 0).

    Returns:
        A context manager.

    Example:

    >>> with keras.device("cpu:0"):
    ...     x = keras.ops.ones((2, 2))
    """
    parsed = parse_device_name(device_name)
    return _device_scope(f"{parsed[0]}:{parsed[1]}")


@contextlib.contextmanager
def _device_scope(name: str) -> Iterator[None]:
    stack = _stack()
    stack.append(name)
    try:
        yield
    finally:
        stack.pop()


def _stack() -> list[str]:
    if not hasattr(_state, "stack"):
        _state.stack = []
    stack: list[str] = _state.stack
    return stack


def get_device() -> str:
    """The device of the innermost `keras.device` scope (`"cpu:0"` outside any)."""
    stack = _stack()
    return stack[-1] if stack else AVAILABLE_DEVICES[0]
