"""HashedCrossing: crosses categorical features with TensorFlow's feature-cross hash."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import DTypeError, InvalidArgumentError, ShapeError
from pykeras.layers.preprocessing import _categorical, farmhash
from pykeras.layers.preprocessing._data_layer import DataLayer

# `tf.sparse.cross_hashed`'s default key.
_HASH_KEY = 0xDECAFCAFFE
_UINT64 = (1 << 64) - 1


def _feature_hashes(column: np.ndarray) -> list[int]:
    """Per value: the Fingerprint64 of a string, the value itself for an integer."""
    if column.dtype.kind in "USO":
        return [farmhash.fingerprint64(farmhash.as_bytes(v)) for v in column.tolist()]
    return [int(v) & _UINT64 for v in column.tolist()]


class HashedCrossing(DataLayer):
    """A preprocessing layer which crosses features using the "hashing trick".

    Each sample's values of the input features (strings or integers) are
    combined into one bin in `[0, num_bins)` exactly as
    `tf.sparse.cross_hashed` (the bins Keras gives): a chain of
    `FingerprintCat64` over the features' fingerprints.

    Like Keras on the JAX backend, it runs on data (NumPy arrays), not inside
    a compiled model. Outputs are NumPy arrays (int32 bins, or float32
    one-hot encodings).

    Args:
        num_bins: the number of hash bins.
        output_mode: `"int"` (default) or `"one_hot"`.
        sparse: must be False: pykeras has no sparse tensors.
        name: the layer's name.
        dtype: the output dtype (int64 by default in `"int"` mode).

    Example:

    >>> layer = keras.layers.HashedCrossing(num_bins=5)
    >>> layer((np.array([1, 2, 3, 4, 5]), np.array(["A", "B", "A", "B", "A"])))
    array([2, 3, 1, 2, 2], dtype=int32)
    """

    def __init__(
        self,
        num_bins: int,
        output_mode: str = "int",
        sparse: bool = False,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        super().__init__(name=name, **kwargs)
        self.output_dtype = dtype or ("int64" if output_mode == "int" else "float32")
        _categorical.check_sparse(self.name, sparse)
        _categorical.check_mode(self.name, output_mode, ("int", "one_hot"))
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def _columns(self, inputs: Any) -> list[np.ndarray]:
        if not isinstance(inputs, (list, tuple)):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `HashedCrossing` should be called on a list or tuple "
                f"of inputs. Received: inputs={inputs!r}"
            )
        if len(inputs) < 2:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `HashedCrossing` should be called on at least two "
                f"inputs. Received: {len(inputs)} input(s)"
            )
        columns = [np.asarray(x.numpy() if hasattr(x, "numpy") else x) for x in inputs]
        shape = columns[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ShapeError(
                f"Layer '{self.name}': all `HashedCrossing` inputs should have shape `()`, "
                f"`(batch_size)` or `(batch_size, 1)`. Received: shapes "
                f"{[c.shape for c in columns]}"
            )
        if any(c.shape != shape for c in columns[1:]):
            raise ShapeError(
                f"Layer '{self.name}': all `HashedCrossing` inputs should have equal shape. "
                f"Received: shapes {[c.shape for c in columns]}"
            )
        if not all(c.dtype.kind in "iuUSO" for c in columns):
            raise DTypeError(
                f"Layer '{self.name}': all `HashedCrossing` inputs should have an integer or "
                f"string dtype. Received: dtypes {[str(c.dtype) for c in columns]}"
            )
        return columns

    def call(self, inputs: Any) -> Any:
        self._check_traceable(inputs)
        columns = self._columns(inputs)
        shape = columns[0].shape
        hashes = [_feature_hashes(c.reshape(-1)) for c in columns]
        out = []
        for row in zip(*hashes):
            h = _HASH_KEY
            for fp in row:
                h = farmhash.fingerprint_cat64(h, fp)
            out.append(h % self.num_bins)
        ids = np.asarray(out, np.int64).reshape(shape)
        if self.output_mode == "int":
            return ids.astype(np.int32)
        return _categorical.encode(ids, "one_hot", self.num_bins, np.float32)

    def compute_output_shape(self, input_shape: Any) -> Any:
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if not first:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self) -> dict[str, Any]:
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.output_dtype,
        }
