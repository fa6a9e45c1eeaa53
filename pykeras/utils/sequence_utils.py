"""pad_sequences: lists of sequences of different lengths as one array."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike


def pad_sequences(
    sequences: Any,
    maxlen: int | None = None,
    dtype: DTypeLike = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads sequences to the same length.

    Sequences longer than `maxlen` are truncated (at the start with
    `truncating="pre"`, at the end with "post"); shorter ones are padded
    with `value` (at the start with `padding="pre"`, at the end with "post").

    Args:
        sequences: a list (or object array) of sequences, each a list or
            array of ids (or of same-shaped samples).
        maxlen: the length of the result; by default the longest sequence's.
        dtype: the result's dtype (`object` or a string type for strings).
        padding: "pre" or "post": where the padding goes.
        truncating: "pre" or "post": which end long sequences lose.
        value: the padding value (a string needs `dtype=object`).

    Returns:
        A NumPy array of shape `(len(sequences), maxlen, ...)`.

    Raises:
        ValueError: `sequences` is not a list of sequences (the message
            names the offending index), samples of different shapes, or an
            unknown `padding`/`truncating`.

    Example:

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable. Received: sequences={sequences!r}")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, sample_shape, found = [], (), False
    for idx, x in enumerate(sequences):
        if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable at index {idx}: {x!r}"
            )
        lengths.append(len(x))
        if not found and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found = True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer. Received: maxlen={maxlen!r}")
    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    out = np.full((len(lengths), int(maxlen)) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} is "
                f"different from expected shape {sample_shape}"
            )
        if padding == "post":
            out[idx, : len(trunc)] = trunc
        else:
            out[idx, -len(trunc) :] = trunc
    return out
