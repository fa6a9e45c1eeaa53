"""TextVectorization: turns raw strings into token indices or encodings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.preprocessing import _categorical, _text_ops
from pykeras.layers.preprocessing._data_layer import DataLayer, batches, to_strings
from pykeras.layers.preprocessing._lookup_vocab import check_config_vocabulary, listify
from pykeras.layers.preprocessing.string_lookup import StringLookup
from pykeras.layers.serialization import deserialize_object

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _check_choice(name: str, arg: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is None or callable(value) or value in allowed:
        return
    raise InvalidArgumentError(
        f"Layer '{name}': the `{arg}` argument should be None, a callable or one of "
        f"{list(allowed)}. Received: {arg}={value!r}"
    )


class TextVectorization(DataLayer):
    """A preprocessing layer which maps text features to integer sequences.

    Each string is standardized (lowercased, punctuation stripped), split into
    tokens (on whitespace), optionally combined into ngrams, and looked up in
    a vocabulary given or learned by `adapt`. Index 0 is padding (the empty
    string), 1 the OOV token `"[UNK]"`.

    Like Keras on the JAX backend, it runs on data (NumPy arrays or lists of
    strings), not inside a compiled model: apply it to the dataset before
    `fit` (or `predict`), and give the model its outputs. They are NumPy
    arrays: int32 sequences padded with 0 (to the longest sequence of the
    batch, or to `output_sequence_length`), or encodings (int32, float32 for
    `"tf_idf"`).

    Args:
        max_tokens: the maximum size of the vocabulary (padding and OOV
            included); None for no cap.
        standardize: `"lower_and_strip_punctuation"` (default), `"lower"`,
            `"strip_punctuation"`, None, or a callable taking and returning a
            NumPy array of `str`.
        split: `"whitespace"` (default), `"character"`, None (each string is
            one token), or a callable taking a 1D NumPy array of `str` and
            returning one sequence of tokens per string.
        ngrams: None, an int (all ngrams up to that width) or a tuple of
            widths.
        output_mode: `"int"` (default), `"multi_hot"`, `"count"` or
            `"tf_idf"` (also `"one_hot"` with `split=None`).
        output_sequence_length: in `"int"` mode, pad or truncate the
            sequences to this length.
        pad_to_max_tokens: in the encoding modes, pad the feature axis to
            `max_tokens`.
        vocabulary: a list or 1D array of strings, or a path to a text file.
        idf_weights: the inverse document frequencies, with `vocabulary` in
            `"tf_idf"` mode.
        sparse: must be False: pykeras has no sparse tensors.
        ragged: must be False: pykeras has no ragged tensors.
        encoding: the text encoding of `bytes` inputs (default `"utf-8"`).
        name: the layer's name.

    Example:

    >>> layer = keras.layers.TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "The dog ran!"])
    >>> layer(["the cat ran"])
    array([[2, 6, 4, 0]], dtype=int32)
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        standardize: str | Callable[..., Any] | None = "lower_and_strip_punctuation",
        split: str | Callable[..., Any] | None = "whitespace",
        ngrams: int | tuple[int, ...] | None = None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary: Any = None,
        idf_weights: Any = None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        _categorical.check_sparse(self.name, sparse)
        if ragged:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `ragged=True` needs ragged tensors, which pykeras does "
                "not have (Keras supports them on the TensorFlow backend only). Use "
                "`ragged=False` (sequences padded with 0). Received: ragged=True"
            )
        _check_choice(self.name, "standardize", standardize, _STANDARDIZE)
        _check_choice(self.name, "split", split, _SPLIT)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _categorical.check_mode(self.name, output_mode, (*_categorical.OUTPUT_MODES, "tf_idf"))
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
            or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `ngrams` must be None, an integer, or a tuple of "
                f"integers. Received: ngrams={ngrams}"
            )
        if output_mode == "int" and not (
            output_sequence_length is None or isinstance(output_sequence_length, int)
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `output_sequence_length` must be either None or an "
                "integer when `output_mode` is 'int'. Received: "
                f"output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `output_sequence_length` must not be set if "
                "`output_mode` is not 'int'. Received "
                f"output_sequence_length={output_sequence_length}."
            )
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = has_input_vocabulary
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            has_input_vocabulary=has_input_vocabulary,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
        )
        self.built = True

    def build(self, input_shape: Any = None) -> None:
        self.built = True

    # ------------------------------------------------------------ vocabulary

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Computes a vocabulary of the tokens of `data`, sorted by count (ties by
        the tokens, high to low), truncated to `max_tokens`; in `"tf_idf"` mode
        also their document frequencies.

        Args:
            data: a list or NumPy array of strings, or an iterable of batches (a
                generator, a `PyDataset`, a dataset from
                `text_dataset_from_directory`; the texts of `(text, label)`
                batches are used).
            batch_size: unused (Keras's signature).
            steps: the number of batches to read from an iterable.
        """
        self.reset_state()
        for batch in batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """Returns the current vocabulary of the layer.

        Args:
            include_special_tokens: If `True`, the vocabulary includes the
                padding and OOV tokens, and a term's index in it equals the
                term's index when calling the layer.
        """
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, padding and OOV indices included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (and IDF weights in `"tf_idf"` mode) directly.

        Args:
            vocabulary: a list, tuple or 1D array of strings, or a text file
                path with one term per line.
            idf_weights: the inverse document frequencies (same length).
        """
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------ call

    def _standardized(self, inputs: Any) -> np.ndarray:
        strings = to_strings(inputs, self.name, self._encoding)
        if callable(self._standardize):
            return to_strings(self._standardize(strings), self.name, self._encoding)
        if self._standardize is None:
            return strings
        return _text_ops.standardize_array(strings, self._standardize)

    def _preprocess(self, inputs: Any) -> Any:
        """Standardized, split and ngrammed: a list of token lists (one per
        string) when splitting, else an array."""
        strings = self._standardized(inputs)
        if self._split is None:
            tokens: Any = strings
            if self._ngrams is not None:
                tokens = [
                    _text_ops.ngrams(list(row), self._ngrams) for row in np.atleast_2d(strings)
                ]
            return tokens
        if strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ShapeError(
                    f"Layer '{self.name}': when using `TextVectorization` to tokenize strings, "
                    "the input rank must be 1 or the last shape dimension must be 1. "
                    f"Received: inputs.shape={strings.shape} with rank={strings.ndim}"
                )
            strings = strings.reshape(strings.shape[:-1])
        flat = strings.reshape(-1).tolist()
        if self._split == "whitespace":
            rows = [_text_ops.split_whitespace(s) for s in flat]
        elif self._split == "character":
            rows = [_text_ops.split_characters(s) for s in flat]
        else:
            split: Any = self._split  # a callable here
            pieces = split(np.asarray(flat, str))
            rows = [list(to_strings(r, self.name, self._encoding).reshape(-1)) for r in pieces]
        if self._ngrams is not None:
            rows = [_text_ops.ngrams(r, self._ngrams) for r in rows]
        return rows

    def call(self, inputs: Any) -> Any:
        self._check_traceable(inputs)
        self._lookup_layer._ensure_known_vocab_size()
        scalar = np.ndim(to_strings(inputs, self.name, self._encoding)) == 0
        if scalar:
            inputs = [inputs]
        tokens = self._preprocess(inputs)
        if isinstance(tokens, list):
            width = max((len(r) for r in tokens), default=0)
            dense = np.full((len(tokens), width), "", object)
            for i, row in enumerate(tokens):
                dense[i, : len(row)] = row
            lookup = self._lookup_layer
            ids = lookup._lookup(dense.astype(str) if dense.size else np.zeros(dense.shape, "U1"))
            if self._output_mode != "int":
                # Padding adds nothing to the encodings (Keras's rows are ragged).
                lengths = np.asarray([len(r) for r in tokens], np.int64)
                pad = np.arange(width)[None, :] >= lengths[:, None]
                ids = np.where(pad, -1, ids)
            outputs = lookup._encode(ids)
        else:
            outputs = self._lookup_layer._encode(self._lookup_layer._lookup(tokens))
        if self._output_mode == "int":
            outputs = self._fit_length(outputs)
        return outputs[0] if scalar else outputs

    def _fit_length(self, ids: np.ndarray) -> np.ndarray:
        length = self._output_sequence_length
        if length is None:
            return ids
        ids = ids[..., :length]
        missing = length - ids.shape[-1]
        if missing > 0:
            widths = [(0, 0)] * (ids.ndim - 1) + [(0, missing)]
            ids = np.pad(ids, widths)
        return ids

    def compute_output_shape(self, input_shape: Any) -> Any:
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    # ------------------------------------------------------------ config and saving

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "max_tokens": self._lookup_layer.max_tokens,
                "standardize": self._standardize,
                "split": self._split,
                "ngrams": self._ngrams_arg,
                "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens,
                "sparse": self._lookup_layer.sparse,
                "ragged": self._ragged,
                "vocabulary": listify(self._lookup_layer.input_vocabulary),
                "idf_weights": listify(self._lookup_layer.input_idf_weights),
                "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size(),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TextVectorization:
        config = dict(config)
        check_config_vocabulary(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def save_own_variables(self, store: Any) -> None:
        """Stores the TF-IDF weights, as Keras does."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store: Any) -> None:
        """Reads the TF-IDF weights."""
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        """Writes the adapted vocabulary to `vocabulary.txt`."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str | None) -> None:
        """Reads the vocabulary `save_assets` wrote."""
        self._lookup_layer.load_assets(dir_path)
