"""IntegerLookup: maps integers from a vocabulary to integer indices."""

from __future__ import annotations

from typing import Any

from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """A preprocessing layer that maps integers to (possibly encoded) indices.

    The vocabulary is given (`vocabulary`) or learned by `adapt(data)`. Index
    0 is the `mask_token` when one is set (in `"int"` mode), then come
    `num_oov_indices` out-of-vocabulary indices (an OOV value `v` goes to
    `v % num_oov_indices`, or to its FarmHash bucket with
    `oov_method="farmhash"`), then the terms. With `invert=True` the layer
    maps indices back to the vocabulary's integers.

    Called on arrays it computes in NumPy (int32 indices, int32 encodings,
    float32 for `"tf_idf"`, int64 values with `invert=True`). Inside a
    functional model it is traced into the graph (values exact up to 2**24;
    not with `oov_method="farmhash"`).

    Args:
        max_tokens: the maximum size of the vocabulary, mask and OOV indices
            included; None for no cap.
        num_oov_indices: the number of out-of-vocabulary indices (default 1);
            0 makes OOV inputs an error.
        mask_token: an integer that means masked input (index 0 in `"int"`
            mode, dropped otherwise); None for no mask (default).
        oov_token: the value returned for OOV indices with `invert=True`
            (default -1).
        vocabulary: a list, tuple or 1D array of integers, or the path of a
            text file with one integer per line.
        vocabulary_dtype: must be `"int64"`.
        idf_weights: the inverse document frequencies, with `vocabulary` in
            `"tf_idf"` mode.
        invert: map indices to the vocabulary's integers instead.
        output_mode: `"int"` (default), `"one_hot"`, `"multi_hot"`,
            `"count"` or `"tf_idf"`.
        sparse: must be False: pykeras has no sparse tensors.
        pad_to_max_tokens: in the encoding modes, pad the feature axis to
            `max_tokens`.
        oov_method: `"floormod"` (default) or `"farmhash"` (hashes the
            decimal text of the value).
        salt: with `oov_method="farmhash"`, the key of a SipHash instead.
        name: the layer's name.

    Example:

    >>> layer = keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))
    array([[1, 3, 4],
           [4, 0, 2]], dtype=int32)
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: int | None = None,
        oov_token: int = -1,
        vocabulary: Any = None,
        vocabulary_dtype: str = "int64",
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if vocabulary_dtype != "int64":
            raise InvalidArgumentError(
                f"Layer '{name or 'integer_lookup'}': only `vocabulary_dtype='int64'` is "
                f"supported at this time. Received: vocabulary_dtype={vocabulary_dtype}"
            )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=None if mask_token is None else int(mask_token),
            oov_token=None if oov_token is None else int(oov_token),
            vocabulary=vocabulary,
            vocabulary_dtype=vocabulary_dtype,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Computes a vocabulary of the integers in `data`, sorted by count (ties
        by value, high to low), truncated to `max_tokens`; in `"tf_idf"` mode
        also their document frequencies.

        Args:
            data: a NumPy array or list of integers, or an iterable of batches
                (a generator, a `PyDataset`; the inputs of `(x, y)` batches).
            steps: the number of batches to read from an iterable.
        """
        super().adapt(data, steps=steps)
