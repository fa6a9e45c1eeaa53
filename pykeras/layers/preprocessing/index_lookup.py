"""IndexLookup: the shared machinery of `StringLookup` and `IntegerLookup`.

Maps vocabulary terms to indices (or back, with `invert=True`) as Keras 3
does: index 0 is the mask token when one is set in `"int"` mode, then
`num_oov_indices` out-of-vocabulary indices, then the terms. The vocabulary
comes from the `vocabulary` argument, `set_vocabulary`, or `adapt` (terms
sorted by count, ties by the terms, high to low; truncated to `max_tokens`).

The table is a Python dict looked up once per distinct value of each batch.
A vocabulary set from a file or by `adapt` is saved in the model file as
Keras saves it (`assets/.../vocabulary.txt`), TF-IDF weights as the layer's
`idf_weights` variable; a vocabulary given as an argument lives in the config.
"""

from __future__ import annotations

import collections
import os
from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError, OutOfRangeError
from pykeras.layers.preprocessing import _categorical, farmhash
from pykeras.layers.preprocessing._data_layer import (
    DataLayer,
    batches,
    is_graph,
    to_integers,
    to_strings,
)
from pykeras.layers.preprocessing._lookup_graph import lookup_symbolic
from pykeras.layers.preprocessing._lookup_vocab import (
    LookupVocabulary,
    check_arguments,
    check_config_vocabulary,
    idf_from_counts,
    listify,
    read_vocabulary_file,
)

_INT64_MAX = np.iinfo(np.int64).max


class IndexLookup(DataLayer):
    """Maps terms to indices; the base of `StringLookup` and `IntegerLookup`.

    Args: those of `StringLookup` / `IntegerLookup`, plus `vocabulary_dtype`
        ("string" or "int64").
    """

    def __init__(
        self,
        max_tokens: int | None,
        num_oov_indices: int,
        mask_token: Any,
        oov_token: Any,
        vocabulary_dtype: str,
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        self._frozen_vocab_size: Any = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        trainable = kwargs.pop("trainable", True)
        super().__init__(name=name, trainable=trainable, **kwargs)
        output_mode, salt = check_arguments(
            self.name,
            max_tokens,
            num_oov_indices,
            pad_to_max_tokens,
            oov_method,
            salt,
            vocabulary_dtype,
            output_mode,
            invert,
            sparse,
            idf_weights,
        )
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = bool(sparse)
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self.traceable = vocabulary_dtype != "string"
        # A vocabulary given by file path is saved as an asset, not in the config.
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._vocab = LookupVocabulary(self)
        self.idf_weights: Any = None
        if self.output_mode == "tf_idf":
            if self._has_input_vocabulary and idf_weights is None:
                raise InvalidArgumentError(
                    f"Layer '{self.name}': when specifying the `vocabulary` argument in "
                    "TF-IDF output mode, the `idf_weights` argument must also be provided."
                )
            if idf_weights is not None:
                self.idf_weights = np.asarray(idf_weights, np.float32)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ------------------------------------------------------------ indices

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def _is_string(self) -> bool:
        return self.vocabulary_dtype == "string"

    # ------------------------------------------------------------ vocabulary

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """Returns the current vocabulary of the layer.

        Args:
            include_special_tokens: If `True`, the returned vocabulary includes
                the mask and OOV tokens, and a term's index in the vocabulary
                equals the term's index when calling the layer. If `False`,
                only the terms.

        Returns:
            The vocabulary as a list.
        """
        vocab = [self.oov_token] * self._token_start_index() + list(self._vocab.tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index() :]
        return vocab

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._vocab.tokens) + self._token_start_index()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (and the IDF weights in `"tf_idf"` mode) directly,
        instead of analyzing a dataset with `adapt`; replaces any vocabulary.

        Args:
            vocabulary: a list, tuple or 1D array of terms, or the path of a
                text file with one term per line.
            idf_weights: the inverse document frequency weights (same length as
                the vocabulary); required in `"tf_idf"` mode, refused otherwise.
        """
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise InvalidArgumentError(
                    f"Layer '{self.name}': `idf_weights` must be set if output_mode is 'tf_idf'."
                )
        elif idf_weights is not None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `idf_weights` should only be set if output_mode is "
                f"'tf_idf'. Received: output_mode={self.output_mode} and "
                f"idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise InvalidArgumentError(
                    f"Layer '{self.name}': output_mode 'tf_idf' does not support loading a "
                    "vocabulary from file."
                )
            vocabulary = read_vocabulary_file(self.name, os.fspath(vocabulary), self._is_string())
        self._vocab.set(vocabulary, idf_weights)
        self._record_vocabulary_size()

    def _record_vocabulary_size(self) -> None:
        size = self.vocabulary_size()
        if (
            self.output_mode != "int"
            and not self.pad_to_max_tokens
            and self._frozen_vocab_size is not None
            and size != self._frozen_vocab_size
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': when using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, the vocabulary size cannot be changed after the "
                f"layer is called. Old vocab size is {self._frozen_vocab_size}, new vocab "
                f"size is {size}"
            )
        self._frozen_vocab_size = size

    # ------------------------------------------------------------ adapt

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Computes a vocabulary from the terms of `data`: sorted by count, ties by
        the terms (high to low), truncated to `max_tokens`; in `"tf_idf"` mode
        also the document frequencies.

        Args:
            data: a NumPy array, a list, or an iterable of batches (a generator,
                a `PyDataset`, a dataset made by `text_dataset_from_directory`;
                the inputs of `(x, y)` batches are used).
            steps: the number of batches to read from an iterable (all if None).
        """
        self.reset_state()
        for batch in batches(data, steps):
            if isinstance(batch, (list, tuple, np.ndarray)) and np.ndim(batch) == 1:
                # One array or list: each element is a document of one term.
                batch = np.asarray(batch)[:, None] if len(batch) else np.asarray(batch)
            self.update_state(batch)
        self.finalize_state()

    def reset_state(self) -> None:
        """Clears the counts `adapt` accumulates."""
        self._counts: collections.Counter[Any] = collections.Counter()
        self._doc_counts: collections.Counter[Any] = collections.Counter()
        self._num_documents = 0

    def update_state(self, data: Any) -> None:
        """Counts the terms of one batch (an array, or a list of per-document term
        sequences of any lengths)."""
        if self._has_input_vocabulary:
            raise InvalidArgumentError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "the `vocabulary` argument or the `set_vocabulary()` method."
            )
        if not hasattr(self, "_counts"):
            self.reset_state()
        if isinstance(data, list) and data and not np.isscalar(data[0]):
            rows = [
                self._convert_terms(np.asarray(r)).reshape(-1).tolist() if len(r) else []
                for r in data
            ]
        else:
            arr = self._convert_terms(data)
            if arr.ndim < 2:
                arr = arr.reshape(1, -1)
            rows = [r.reshape(-1).tolist() for r in arr]
        for row in rows:
            self._counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self) -> None:
        """Turns the counts into the vocabulary (and IDF weights)."""
        counts = getattr(self, "_counts", None)
        if self._has_input_vocabulary or not counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        tokens = np.asarray(list(counts.keys()))
        freq = np.asarray(list(counts.values()), np.int64)
        order = np.lexsort((tokens, freq))[::-1]
        if self.max_tokens:
            order = order[: self.max_tokens - self._token_start_index()]
        chosen = tokens[order].tolist()
        idf = None
        if self.output_mode == "tf_idf":
            docs = np.asarray([self._doc_counts[t] for t in chosen], np.int64)
            idf = idf_from_counts(docs, self._num_documents, self)
        self._vocab.set_adapted(chosen, idf)
        self.reset_state()
        self._record_vocabulary_size()

    # ------------------------------------------------------------ call

    def _convert(self, x: Any) -> np.ndarray:
        """The layer's inputs as a NumPy array of its keys (indices when inverted)."""
        return to_integers(x, self.name) if self.invert else self._convert_terms(x)

    def _convert_terms(self, x: Any) -> np.ndarray:
        if self._is_string():
            return to_strings(x, self.name, getattr(self, "encoding", "utf-8"))
        return to_integers(x, self.name)

    def _ensure_known_vocab_size(self) -> None:
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': when using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, you must set the layer's vocabulary before "
                "calling it. Either pass a `vocabulary` argument to the layer, or call "
                "`adapt` with some sample data."
            )

    def call(self, inputs: Any) -> Any:
        self._ensure_known_vocab_size()
        if is_graph(inputs):
            self._check_traceable(inputs)
            return lookup_symbolic(self, inputs)
        return self._encode(self._lookup(self._convert(inputs)))

    def _depth(self) -> int:
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return int(depth or 0)

    def _encode(self, lookups: np.ndarray) -> np.ndarray:
        if self.output_mode == "int":
            if self.invert:
                return lookups
            return lookups.astype(np.int32)
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = _categorical.encode(lookups, mode, self._depth(), np.int32)
        if self.output_mode == "tf_idf":
            return (out.astype(np.float32) * self.idf_weights).astype(np.float32)
        return out

    def _lookup(self, x: np.ndarray) -> np.ndarray:
        """The table lookup of `x` (any shape), with masking and OOV handling."""
        unique, inverse = np.unique(x.reshape(-1), return_inverse=True)
        inverse = inverse.reshape(x.shape)
        keys = unique.tolist()
        if self.invert:
            return self._invert_lookup(keys, inverse)
        table = self._vocab.table
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        found = np.asarray([table.get(k, default) for k in keys], np.int64)
        if self.num_oov_indices > 1:
            oov = found == -1
            if oov.any():
                found[oov] = self._oov_buckets(unique[oov]) + self._oov_start_index()
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else _INT64_MAX
            found[np.asarray([k == self.mask_token for k in keys], bool)] = mask_value
        if self.num_oov_indices == 0 and (found == -1).any():
            missing = [k for k, f in zip(keys, found.tolist()) if f == -1]
            raise OutOfRangeError(
                f"Layer '{self.name}': when `num_oov_indices=0` all inputs should be in "
                f"vocabulary, found OOV values {missing[:10]}, consider setting "
                "`num_oov_indices=1`."
            )
        return found[inverse] if found.size else np.zeros(x.shape, np.int64)

    def _oov_buckets(self, values: np.ndarray) -> np.ndarray:
        if not self._is_string() and self.oov_method != "farmhash":
            return values % self.num_oov_indices
        strings = values if self._is_string() else np.asarray([str(v) for v in values.tolist()])
        return farmhash.hash_buckets(strings, self.num_oov_indices, self.salt)

    def _invert_lookup(self, keys: list[Any], inverse: np.ndarray) -> np.ndarray:
        start = self._token_start_index()
        tokens = self._vocab.tokens
        out = []
        for k in keys:
            if self.mask_token is not None and k == 0:
                out.append(self.mask_token)
            elif start <= k < start + len(tokens):
                out.append(tokens[k - start])
            else:
                out.append(self.oov_token)
        if self._is_string():
            table = np.asarray(out, str) if out else np.zeros(0, "U1")
        else:
            table = np.asarray(out, np.int64)
        return table[inverse]

    # ------------------------------------------------------------ shapes and config

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        return _categorical.output_shape(input_shape, mode, depth)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        check_config_vocabulary(config)
        return cls(**config)

    def get_build_config(self) -> dict[str, Any]:
        return {}

    def build_from_config(self, config: Any) -> None:
        self.built = True

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "invert": self.invert,
                "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices,
                "oov_token": self.oov_token,
                "mask_token": self.mask_token,
                "output_mode": self.output_mode,
                "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": listify(self.input_idf_weights),
                "vocabulary": listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size,
                "oov_method": self.oov_method,
                "salt": self.salt,
            }
        )
        return config

    # ------------------------------------------------------------ saving

    def save_own_variables(self, store: Any) -> None:
        """Stores the TF-IDF weights (`store["idf_weights"]`), as Keras does."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights, np.float32)

    def load_own_variables(self, store: Any) -> None:
        """Reads the TF-IDF weights `save_own_variables` stored."""
        if self.output_mode == "tf_idf" and "idf_weights" in store.keys():
            self.idf_weights = np.asarray(store["idf_weights"], np.float32)

    def save_assets(self, dir_path: str) -> None:
        """Writes the vocabulary (special tokens included) to `vocabulary.txt`,
        unless it is in the config."""
        if self.input_vocabulary is not None:
            return
        vocabulary = self.get_vocabulary(include_special_tokens=True)
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in vocabulary))

    def load_assets(self, dir_path: str | None) -> None:
        """Reads the vocabulary `save_assets` wrote."""
        if self.input_vocabulary is not None or dir_path is None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values: list[Any] = lines if self._is_string() else [int(v) for v in lines]
        if self.output_mode == "tf_idf":
            self.set_vocabulary(values, idf_weights=self.idf_weights)
        else:
            self.set_vocabulary(values)
