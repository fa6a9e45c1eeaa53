"""Hashing: hashes values into a fixed number of bins, as Keras (TensorFlow) does."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing import _categorical, farmhash
from pykeras.layers.preprocessing._data_layer import DataLayer, to_strings
from pykeras.layers.preprocessing._lookup_vocab import salt_pair

_MODES = ("int", "one_hot", "multi_hot", "count")


def hash_text(values: np.ndarray) -> np.ndarray:
    """The strings TensorFlow hashes for `values`: strings as they are, floats
    truncated to integers, integers in decimal, booleans as true/false."""
    arr = np.asarray(values)
    if arr.dtype.kind in "USO":
        return arr
    if arr.dtype.kind == "b":
        return np.where(arr, "true", "false")
    if arr.dtype.kind == "f":
        arr = np.trunc(arr).astype(np.int64)
    return arr.astype(np.int64).astype(str)


class Hashing(DataLayer):
    """A preprocessing layer which hashes and bins categorical features.

    Each value (a string, or an integer hashed as its decimal text, a float
    truncated to an integer first) goes to bin `Fingerprint64(value) %
    num_bins` (FarmHash, as `tf.strings.to_hash_bucket_fast`); with `salt`,
    `SipHash-2-4(salt, value) % num_bins` (`to_hash_bucket_strong`). The bins
    are Keras's, bit for bit.

    With `mask_value`, bin 0 is reserved for it and the other values go to
    bins 1 to `num_bins - 1`.

    Like Keras on the JAX backend, it runs on data (NumPy arrays, lists), not
    inside a compiled model: apply it to the data before `fit`. Outputs are
    NumPy arrays (int32 bins, or float32 encodings).

    Args:
        num_bins: the number of hash bins (the mask bin included).
        mask_value: a value that means masked input (bin 0); None for none.
        salt: None (FarmHash), an int or a pair of ints (the SipHash key).
        output_mode: `"int"` (default), `"one_hot"`, `"multi_hot"` or
            `"count"`.
        sparse: must be False: pykeras has no sparse tensors.
        **kwargs: `name`, `dtype` (the output dtype: int64 by default in
            `"int"` mode, else float32).

    Example:

    >>> layer = keras.layers.Hashing(num_bins=3)
    >>> layer([["A"], ["B"], ["C"], ["D"], ["E"]])
    array([[1],
           [0],
           [1],
           [1],
           [2]], dtype=int32)
    """

    def __init__(
        self,
        num_bins: int,
        mask_value: Any = None,
        salt: Any = None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs: Any,
    ) -> None:
        dtype = kwargs.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        super().__init__(**kwargs)
        self.output_dtype = dtype or ("int64" if output_mode == "int" else "float32")
        if num_bins is None or num_bins <= 0:
            raise InvalidArgumentError(
                f"Layer '{self.name}': the `num_bins` for `Hashing` cannot be `None` or "
                f"non-positive values. Received: num_bins={num_bins}."
            )
        if output_mode == "int" and self.output_dtype not in ("int32", "int64"):
            raise InvalidArgumentError(
                f"Layer '{self.name}': when `output_mode=\"int\"`, `dtype` should be an integer "
                f"type, 'int32' or 'int64'. Received: dtype={dtype}"
            )
        _categorical.check_mode(self.name, output_mode, _MODES)
        if sparse and output_mode == "int":
            raise InvalidArgumentError(
                f"Layer '{self.name}': `sparse` may only be true if `output_mode` is "
                f'"one_hot", "multi_hot", or "count". Received: sparse={sparse} and '
                f"output_mode={output_mode}"
            )
        _categorical.check_sparse(self.name, sparse)
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.salt = salt_pair(self.name, salt) if salt is not None else None
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def _hash(self, values: np.ndarray) -> np.ndarray:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        ids = farmhash.hash_buckets(hash_text(values), bins, self.salt)
        if mask is not None:
            ids = np.where(mask, 0, ids + 1)
        return ids

    def call(self, inputs: Any) -> Any:
        self._check_traceable(inputs)
        if hasattr(inputs, "numpy") and not isinstance(inputs, np.ndarray):
            inputs = inputs.numpy()
        values = np.asarray(inputs)
        if values.dtype.kind in "SO":
            values = to_strings(values, self.name)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        ids = self._hash(values)
        if self.output_mode == "int":
            return ids.astype(np.int32)
        return _categorical.encode(ids, self.output_mode, self.num_bins, self._float_dtype())

    def _float_dtype(self) -> Any:
        return np.float32 if self.output_dtype in ("float64", "float32") else self.output_dtype

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "dtype": self.output_dtype,
                "num_bins": self.num_bins,
                "salt": self.salt,
                "mask_value": self.mask_value,
                "output_mode": self.output_mode,
                "sparse": self.sparse,
            }
        )
        return config
