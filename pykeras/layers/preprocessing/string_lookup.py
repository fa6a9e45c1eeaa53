"""StringLookup: maps strings from a vocabulary to integer indices."""

from __future__ import annotations

from typing import Any

from pykeras.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """A preprocessing layer that maps strings to (possibly encoded) indices.

    The vocabulary is given (`vocabulary`) or learned by `adapt(data)`. Index
    0 is the `mask_token` when one is set (in `"int"` mode), then come
    `num_oov_indices` out-of-vocabulary indices (several: each OOV string
    goes to the bucket FarmHash gives it, as in Keras), then the terms. With
    `invert=True` the layer maps indices back to strings.

    Like Keras on the JAX backend, it runs on data (NumPy arrays of `str` or
    `bytes`, lists of strings), not inside a compiled model: apply it to the
    dataset before `fit`. Outputs are NumPy arrays: int32 indices, encodings
    in int32 (float32 for `"tf_idf"`), or `str` with `invert=True`.

    Args:
        max_tokens: the maximum size of the vocabulary, mask and OOV indices
            included; None for no cap.
        num_oov_indices: the number of out-of-vocabulary indices (default 1);
            0 makes OOV inputs an error.
        mask_token: a token that means masked input (index 0 in `"int"`
            mode, dropped in the other modes); None for no mask (default).
        oov_token: the token returned for OOV indices with `invert=True`
            (default `"[UNK]"`).
        vocabulary: a list, tuple or 1D array of strings, or the path of a
            text file with one term per line.
        idf_weights: the inverse document frequencies, with `vocabulary` in
            `"tf_idf"` mode.
        invert: map indices to strings instead.
        output_mode: `"int"` (default), `"one_hot"`, `"multi_hot"`,
            `"count"` or `"tf_idf"`.
        pad_to_max_tokens: in the encoding modes, pad the feature axis to
            `max_tokens`.
        sparse: must be False: pykeras has no sparse tensors.
        encoding: the text encoding of `bytes` inputs (default `"utf-8"`).
        name: the layer's name.
        salt: with several OOV indices, the key of a SipHash instead of
            FarmHash (an int or a pair of ints).

    Example:

    >>> layer = keras.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
    >>> layer(np.array([["a", "c", "d"], ["d", "z", "b"]]))
    array([[1, 3, 4],
           [4, 0, 2]], dtype=int32)
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: str | None = None,
        oov_token: str = "[UNK]",
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            name=name,
            salt=salt,
            vocabulary_dtype="string",
            **kwargs,
        )

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Computes a vocabulary of the strings in `data`, sorted by count (ties
        by the strings, high to low), truncated to `max_tokens`; in `"tf_idf"`
        mode also their document frequencies.

        Args:
            data: a NumPy array or list of strings, or an iterable of batches
                (a generator, a `PyDataset`; the inputs of `(x, y)` batches).
            steps: the number of batches to read from an iterable.
        """
        super().adapt(data, steps=steps)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        # There is only one valid dtype for strings; Keras does not expose it.
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
