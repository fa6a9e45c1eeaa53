"""The string operations of `TextVectorization`, as TensorFlow computes them.

- `lower`: `tf.strings.lower` without an encoding lowers ASCII letters only.
- punctuation: Keras's regex `[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~\\']`.
- whitespace split: `tf.strings.split` splits on runs of ASCII whitespace
  (space, tab, newline, vertical tab, form feed, carriage return), dropping
  empty pieces; other Unicode spaces stay inside tokens.
- character split: `tf.strings.unicode_split`: one token per code point.
- ngrams: `tf.strings.ngrams(separator=" ")`: for each width in turn, the
  runs of that many tokens joined by spaces (none from shorter sequences).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


def lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def strip_punctuation(text: str) -> str:
    return _PUNCTUATION.sub("", text)


def split_whitespace(text: str) -> list[str]:
    return [t for t in _WHITESPACE.split(text) if t]


def split_characters(text: str) -> list[str]:
    return list(text)


def ngrams(tokens: Sequence[str], widths: Sequence[int]) -> list[str]:
    out: list[str] = []
    for width in widths:
        out.extend(" ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1))
    return out


def standardize_array(strings: np.ndarray, mode: Any) -> np.ndarray:
    """`strings` (a NumPy array of str) standardized by a built-in mode."""
    flat = strings.reshape(-1).tolist()
    if mode in ("lower", "lower_and_strip_punctuation"):
        flat = [lower(s) for s in flat]
    if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
        flat = [strip_punctuation(s) for s in flat]
    out = np.asarray(flat, str) if flat else np.zeros(0, "U1")
    return out.reshape(strings.shape)
