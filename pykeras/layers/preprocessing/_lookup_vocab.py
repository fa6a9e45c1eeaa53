"""The vocabulary of a lookup layer: its terms, the term -> index table, the
TF-IDF weights, and the argument checks Keras's `IndexLookup` makes."""

from __future__ import annotations

import collections
import os
from typing import Any

import numpy as np

from pykeras.config import global_safe_mode
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._categorical import check_sparse

LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def check_arguments(
    name: str,
    max_tokens: Any,
    num_oov_indices: Any,
    pad_to_max_tokens: Any,
    oov_method: Any,
    salt: Any,
    vocabulary_dtype: str,
    output_mode: Any,
    invert: Any,
    sparse: Any,
    idf_weights: Any,
) -> tuple[str, Any]:
    """Keras's checks; returns the output mode (old names mapped) and the salt
    as a pair of ints (or None)."""
    if max_tokens is not None and max_tokens <= 1:
        raise InvalidArgumentError(
            f"Layer '{name}': if set, `max_tokens` must be greater than 1. "
            f"Received: max_tokens={max_tokens}"
        )
    if pad_to_max_tokens and max_tokens is None:
        raise InvalidArgumentError(
            f"Layer '{name}': if pad_to_max_tokens is True, must set `max_tokens`. "
            f"Received: max_tokens={max_tokens}"
        )
    if num_oov_indices is None or num_oov_indices < 0:
        raise InvalidArgumentError(
            f"Layer '{name}': `num_oov_indices` must be greater than or equal to 0. "
            f"Received: num_oov_indices={num_oov_indices}"
        )
    if oov_method not in ("floormod", "farmhash"):
        raise InvalidArgumentError(
            f"Layer '{name}': the `oov_method` argument should be one of "
            f"['floormod', 'farmhash']. Received: oov_method={oov_method!r}"
        )
    if salt is not None:
        if vocabulary_dtype != "string" and oov_method != "farmhash":
            raise InvalidArgumentError(
                f"Layer '{name}': `salt` can only be used when `oov_method='farmhash'`. "
                f"Received: oov_method={oov_method}"
            )
        salt = salt_pair(name, salt)
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    if output_mode not in LOOKUP_MODES:
        raise InvalidArgumentError(
            f"Layer '{name}': the `output_mode` argument should be one of "
            f"{list(LOOKUP_MODES)}. Received: output_mode={output_mode!r}"
        )
    if invert and output_mode != "int":
        raise InvalidArgumentError(
            f"Layer '{name}': `output_mode` must be 'int' when `invert` is true. "
            f"Received: output_mode={output_mode}"
        )
    if sparse and output_mode == "int":
        raise InvalidArgumentError(
            f"Layer '{name}': `sparse` may only be true if `output_mode` is 'one_hot', "
            f"'multi_hot', 'count' or 'tf_idf'. Received: sparse={sparse} and "
            f"output_mode={output_mode}"
        )
    check_sparse(name, sparse)
    if idf_weights is not None and output_mode != "tf_idf":
        raise InvalidArgumentError(
            f"Layer '{name}': `idf_weights` should only be set if `output_mode` is "
            f"'tf_idf'. Received: idf_weights={idf_weights} and output_mode={output_mode}"
        )
    return output_mode, salt


def salt_pair(name: str, salt: Any) -> list[int]:
    """A salt as Keras keeps it: two ints (one int is used twice)."""
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int) and not isinstance(salt, bool):
        return [salt, salt]
    raise InvalidArgumentError(
        f"Layer '{name}': the `salt` argument can only be a tuple of 2 integers, or a "
        f"single integer. Received: salt={salt}."
    )


def listify(x: Any) -> Any:
    """A vocabulary or weights argument as plain lists, for the config."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, tuple):
        return list(x)
    return x


def read_vocabulary_file(name: str, path: str, strings: bool) -> list[Any]:
    """The terms of a vocabulary file, one per line."""
    if not os.path.isfile(path):
        raise InvalidArgumentError(f"Layer '{name}': vocabulary file {path} does not exist.")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    while lines and lines[-1] == "":
        lines.pop()
    return lines if strings else [int(v) for v in lines]


def check_config_vocabulary(config: dict[str, Any]) -> None:
    """Refuses a config naming a vocabulary file, as Keras refuses loading one in
    safe mode: Keras and pykeras never write a path there (a file vocabulary is
    saved as an asset), so one can only come from a crafted config, which could
    read any file. `keras.config.enable_unsafe_deserialization()` allows it."""
    vocabulary = config.get("vocabulary")
    if isinstance(vocabulary, str) and global_safe_mode() is not False:
        raise InvalidArgumentError(
            f"Layer '{config.get('name')}': requested the loading of a vocabulary file outside "
            "of the model archive. This carries a potential risk of loading arbitrary and "
            "sensitive files and thus it is disallowed by default. If you trust the source "
            "of the config, call `keras.config.enable_unsafe_deserialization()`. "
            f"Vocabulary file: '{vocabulary}'"
        )


def idf_from_counts(doc_counts: np.ndarray, num_documents: int, layer: Any) -> np.ndarray:
    """Keras's adapted TF-IDF weights: `log(1 + N / (1 + df))`, the special
    indices given the mean weight, zeros up to `max_tokens` when padding."""
    idf = np.log(1.0 + num_documents / (1.0 + doc_counts)).astype(np.float32)
    front = layer._token_start_index()
    mean = np.float32(idf.mean(dtype=np.float32)) if idf.size else np.float32(0)
    idf = np.concatenate([np.full(front, mean, np.float32), idf])
    if layer.pad_to_max_tokens and layer.max_tokens is not None:
        idf = np.concatenate([idf, np.zeros(layer.max_tokens - idf.size, np.float32)])
    return idf


class LookupVocabulary:
    """The terms (without special tokens) and the term -> index table of a
    lookup layer."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.tokens: list[Any] = []
        self.table: dict[Any, int] = {}

    def _set_tokens(self, tokens: list[Any]) -> None:
        start = self.layer._token_start_index()
        self.tokens = tokens
        self.table = {t: start + i for i, t in enumerate(tokens)}

    def set_adapted(self, tokens: list[Any], idf: np.ndarray | None) -> None:
        self._set_tokens(tokens)
        if idf is not None:
            self.layer.idf_weights = idf

    def _terms(self, vocabulary: Any) -> list[Any]:
        if hasattr(vocabulary, "numpy") and not isinstance(vocabulary, np.ndarray):
            vocabulary = vocabulary.numpy()
        values = np.asarray(vocabulary).reshape(-1).tolist()
        if self.layer._is_string():
            return [v.decode(getattr(self.layer, "encoding", "utf-8")) if isinstance(v, bytes)
                    else str(v) for v in values]  # fmt: skip
        return [int(v) for v in values]

    def set(self, vocabulary: Any, idf_weights: Any) -> None:
        """Keras's `set_vocabulary` checks and table, special tokens optional."""
        layer, name = self.layer, self.layer.name
        terms = self._terms(vocabulary)
        if not terms:
            raise InvalidArgumentError(
                f"Layer '{name}': cannot set an empty vocabulary. Received: vocabulary={terms}"
            )
        oov_start, token_start = layer._oov_start_index(), layer._token_start_index()
        special = [layer.mask_token] * oov_start + [layer.oov_token] * layer.num_oov_indices
        found_special = terms[:token_start] == special
        tokens = terms[token_start:] if found_special else terms
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise InvalidArgumentError(
                f"Layer '{name}': the passed vocabulary has at least one repeated term. "
                f"Please uniquify your dataset. The repeated terms are: {repeated}"
            )
        for token, what, active in (
            (layer.mask_token, "mask_token", True),
            (layer.oov_token, "oov_token", layer.invert),
        ):
            if token is not None and active and token in tokens:
                raise InvalidArgumentError(
                    f"Layer '{name}': found reserved {what.split('_')[0].upper()} token at "
                    "unexpected location in `vocabulary`. Note that passed `vocabulary` does "
                    "not need to include the OOV and mask tokens. Either remove all mask and "
                    "OOV tokens, or include them only at the start of the vocabulary in "
                    f"precisely this order: {special}. Received: {what}={token!r} at "
                    f"vocabulary index {len(terms) - 1 - terms[::-1].index(token)}"
                )
        size = token_start + len(tokens)
        if layer.max_tokens is not None and size > layer.max_tokens:
            raise InvalidArgumentError(
                f"Layer '{name}': attempted to set a vocabulary larger than the maximum "
                f"vocab size. Received vocabulary size is {size}; `max_tokens` is "
                f"{layer.max_tokens}."
            )
        self._set_tokens(tokens)
        if layer.output_mode == "tf_idf" and idf_weights is not None:
            layer.idf_weights = self._padded_idf(idf_weights, len(terms), found_special)

    def _padded_idf(self, idf_weights: Any, n_terms: int, found_special: bool) -> np.ndarray:
        layer = self.layer
        if hasattr(idf_weights, "numpy") and not isinstance(idf_weights, np.ndarray):
            idf_weights = idf_weights.numpy()
        weights = np.asarray(idf_weights, np.float64)
        if weights.ndim != 1:
            raise InvalidArgumentError(
                f"Layer '{layer.name}': TF-IDF data must be a 1-index array. "
                f"Received: idf_weights of shape {weights.shape}"
            )
        if len(weights) != n_terms:
            raise InvalidArgumentError(
                f"Layer '{layer.name}': `idf_weights` must be the same length as vocabulary. "
                f"len(idf_weights) is {len(weights)}; len(vocabulary) is {n_terms}"
            )
        front = 0 if found_special else layer._token_start_index()
        front_value = 0.0 if found_special else float(np.average(weights))
        back = 0
        if layer.pad_to_max_tokens and layer.max_tokens is not None:
            back = layer.max_tokens - front - len(weights)
        padded = np.pad(weights, (front, back), constant_values=(front_value, 0.0))
        return padded.astype(np.float32)
