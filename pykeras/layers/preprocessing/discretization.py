"""Discretization: buckets continuous features by ranges, given or adapted."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing import _categorical
from pykeras.layers.preprocessing._data_layer import DataLayer, batches, is_graph


def summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Keras's quantile summary of a batch: every `step`-th sorted value with
    its weight (`[values, weights]`)."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Interpolates a summary down to about `1 / epsilon` bins."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def merge_summaries(prev: np.ndarray, new: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev, new), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


class Discretization(DataLayer):
    """A preprocessing layer which buckets continuous features by ranges.

    A value `x` goes to bucket `i` where `bin_boundaries[i-1] <= x <
    bin_boundaries[i]`. The boundaries are given, or estimated by
    `adapt(data)` as `num_bins` quantiles (Keras's approximate algorithm,
    same boundaries). Called on arrays it computes in NumPy (int32 indices,
    float32 encodings); inside a functional model it is traced into the
    graph.

    Args:
        bin_boundaries: the sorted boundaries (None to adapt).
        num_bins: the number of bins to adapt (with `adapt`).
        epsilon: the error tolerance of the adapted quantiles (default 0.01).
        output_mode: `"int"` (default), `"one_hot"`, `"multi_hot"` or
            `"count"`.
        sparse: must be False: pykeras has no sparse tensors.
        dtype: the dtype of the encodings (float32).
        name: the layer's name.

    Example:

    >>> layer = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))
    array([[0, 2, 3, 1],
           [1, 3, 2, 1]], dtype=int32)
    """

    traceable = True

    def __init__(
        self,
        bin_boundaries: Any = None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.output_dtype = (
            dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
        )
        if sparse and output_mode == "int":
            raise InvalidArgumentError(
                f"Layer '{self.name}': `sparse=True` may only be used if `output_mode` is "
                "'one_hot', 'multi_hot', or 'count'. Received: sparse=True and "
                f"output_mode={output_mode}"
            )
        _categorical.check_sparse(self.name, sparse)
        _categorical.check_mode(self.name, output_mode, _categorical.OUTPUT_MODES)
        if num_bins is not None and num_bins < 0:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `num_bins` must be greater than or equal to 0. "
                f"Received: `num_bins={num_bins}`"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': both `num_bins` and `bin_boundaries` should not be "
                f"set. Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': you need to set either `num_bins` or `bin_boundaries`."
            )
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary: Any = None if self.bin_boundaries else np.array([[], []], "float32")
        self.built = True

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Estimates `num_bins` quantile boundaries of `data`.

        Args:
            data: a NumPy array, or an iterable of batches (a list of arrays,
                a generator, a `PyDataset`).
            steps: the number of batches to read from an iterable.
        """
        if self.num_bins is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': cannot adapt a Discretization layer that has been "
                "initialized with `bin_boundaries`, use `num_bins` instead."
            )
        self.reset_state()
        if isinstance(data, list):
            data = iter(data)  # Keras reads a list as batches
        for batch in batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        values = np.array(data).astype("float32")
        self.summary = merge_summaries(summarize(values, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def _depth(self) -> int:
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return int(self.num_bins or 0)

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': you need to either pass the `bin_boundaries` argument "
                "at construction time or call `adapt(dataset)` before you can start using "
                "the `Discretization` layer."
            )
        bins = np.asarray(self.bin_boundaries, np.float32)
        if is_graph(inputs):
            ids = ops.digitize(inputs, bins)
            return _categorical.encode_symbolic(
                ids, tuple(inputs.shape), self.output_mode, self._depth()
            )
        x = np.asarray(inputs.numpy() if hasattr(inputs, "numpy") else inputs, np.float32)
        ids = np.digitize(x, bins).astype(np.int32)
        return _categorical.encode(ids, self.output_mode, self._depth(), self._dtype())

    def _dtype(self) -> Any:
        if self.output_mode == "int":
            return np.int32
        return self.output_dtype if self.output_dtype not in (None, "float64") else np.float32

    def compute_output_shape(self, input_shape: Any) -> Any:
        return _categorical.output_shape(tuple(input_shape), self.output_mode, self._depth())

    def get_config(self) -> dict[str, Any]:
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.output_dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Discretization:
        config = dict(config)
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # Adapted layers store both; `__init__` refuses both, so set the bins after.
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)
