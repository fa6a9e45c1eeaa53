"""Dataset helpers of `keras.utils`: `timeseries_dataset_from_array` and
`split_dataset`, producing what pykeras's `fit` takes (a `PyDataset` of
batches, or arrays)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from pykeras.engine.tree import flatten, pack_like
from pykeras.utils.data_utils import PyDataset


class TimeseriesDataset(PyDataset):
    """Batches of sliding windows over an array (and their targets).

    Made by `timeseries_dataset_from_array`; `fit`, `evaluate` and `predict`
    take it directly, and `ds[i]` is batch `i`.
    """

    def __init__(
        self, data: Any, targets: Any, starts: Any, offsets: Any, batch_size: int | None
    ) -> None:
        super().__init__()
        self._data = data
        self._targets = targets
        self._starts = starts
        self._offsets = offsets
        self._batch_size = batch_size

    def __len__(self) -> int:
        if self._batch_size is None:
            return len(self._starts)
        return -(-len(self._starts) // self._batch_size)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        index %= len(self)
        if self._batch_size is None:
            starts = self._starts[index : index + 1]
        else:
            starts = self._starts[index * self._batch_size : (index + 1) * self._batch_size]
        windows = self._data[starts[:, None] + self._offsets[None, :]]
        if self._batch_size is None:
            windows = windows[0]
        if self._targets is None:
            return windows
        targets = self._targets[starts]
        if self._batch_size is None:
            targets = targets[0]
        return windows, targets

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    format: str = "tf",
) -> PyDataset:
    """Sliding windows over a timeseries, batched, as Keras makes them.

    Window `i` holds `data[start_index + s + k * sampling_rate]` for
    `k < sequence_length`, where `s = i * sequence_stride`, and its target is
    `targets[start_index + s]`.

    Args:
        data: an array of timesteps (axis 0 is time).
        targets: targets of the windows, or None (batches are then windows only).
        sequence_length: timesteps per window.
        sequence_stride: shift between consecutive windows.
        sampling_rate: step between timesteps inside a window.
        batch_size: windows per batch, or None for single unbatched windows.
        shuffle: shuffle the window order (with `seed`).
        seed: the shuffle seed.
        start_index, end_index: only use `data[start_index:end_index]`.
        format: `"tf"` or `"grain"` (Keras's two formats): both give a
            pykeras `PyDataset` of batches here, since pykeras reads neither
            tf.data nor grain.

    Returns:
        A `PyDataset` whose items are `(windows, targets)` batches (or windows).

    Example:

    >>> ds = pykeras.utils.timeseries_dataset_from_array(
    ...     np.arange(10), None, sequence_length=3, batch_size=2)
    >>> ds[0]
    array([[0, 1, 2],
           [1, 2, 3]])
    """
    data = np.asarray(data)
    if targets is not None:
        targets = np.asarray(targets)
    if start_index is not None:
        if start_index < 0:
            raise ValueError(
                f"`start_index` must be 0 or greater. Received: start_index={start_index}"
            )
        if start_index >= len(data):
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {len(data)}"
            )
    if end_index is not None:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} "
            )
        if end_index >= len(data):
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {len(data)}"
            )
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= len(data):
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: "
                f"{name}={value}, for data of length {len(data)}"
            )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    start_index = 0 if start_index is None else start_index
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(int(1e6))
        np.random.RandomState(seed).shuffle(starts)
    offsets = np.arange(0, sequence_length * sampling_rate, sampling_rate, dtype=np.int64)
    window_data = data[start_index:end_index]
    window_targets = None if targets is None else targets[start_index:]
    return TimeseriesDataset(window_data, window_targets, starts, offsets, batch_size)


def split_dataset(
    dataset: Any,
    left_size: int | float | None = None,
    right_size: int | float | None = None,
    shuffle: bool = False,
    seed: int | None = None,
    preferred_backend: str | None = None,
) -> tuple[Any, Any]:
    """Splits arrays of samples into a left and a right part.

    Args:
        dataset: an array, or a tuple, list or dict of arrays with the same
            number of samples (e.g. `(x, y)`), or a `PyDataset` of batches
            (whose batches are then concatenated first).
        left_size: the left part's share (a float in (0, 1)) or sample count
            (an int); by default, what `right_size` leaves.
        right_size: the same for the right part; by default, the rest.
        shuffle: shuffle the samples before splitting.
        seed: the shuffle seed.
        preferred_backend: accepted for Keras compatibility; pykeras returns
            NumPy arrays, which its `fit` takes directly.

    Returns:
        `(left, right)`, each with the structure of `dataset` (arrays).

    Example:

    >>> x, y = np.random.rand(10, 3), np.arange(10)
    >>> left, right = pykeras.utils.split_dataset((x, y), left_size=0.8)
    >>> left[0].shape, right[1].tolist()
    ((8, 3), [8, 9])
    """
    if isinstance(dataset, PyDataset):
        batches = [dataset[i] for i in range(len(dataset))]
        if not batches:
            raise ValueError("split_dataset received an empty PyDataset.")
        dataset = pack_like(
            batches[0],
            [np.concatenate(parts) for parts in zip(*(flatten(b) for b in batches))],
        )
    leaves = [np.asarray(a) for a in flatten(dataset)]
    if not leaves:
        raise TypeError(
            "split_dataset expects an array, a tuple/list/dict of arrays or a PyDataset. "
            f"Received: {type(dataset).__name__}"
        )
    total = len(leaves[0])
    if any(len(a) != total for a in leaves):
        raise ValueError(
            "split_dataset expects arrays with the same number of samples. Received lengths "
            f"{[len(a) for a in leaves]}"
        )
    left, right = _split_sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        if seed is None:
            seed = np.random.randint(int(1e6))
        np.random.RandomState(seed).shuffle(order)
    left_idx, right_idx = order[:left], order[left : left + right]
    return (
        pack_like(dataset, [a[left_idx] for a in leaves]),
        pack_like(dataset, [a[right_idx] for a in leaves]),
    )


def _split_sizes(left_size: Any, right_size: Any, total: Any) -> Any:
    """Sample counts of both sides, by Keras's rules (floats are shares, ints counts)."""
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            continue
        if isinstance(size, bool) or not isinstance(size, (int, float)):
            raise TypeError(f"`{name}` should be an int or a float. Received: {name}={size!r}")
        if isinstance(size, float) and not 0 < size < 1:
            raise ValueError(
                f"`{name}` should be a float in the range (0, 1). Received: {name}={size}"
            )
        if isinstance(size, int) and not 0 < size <= total:
            raise ValueError(
                f"`{name}` should be between 1 and the number of samples ({total}). "
                f"Received: {name}={size}"
            )

    def count(size: Any) -> Any:
        return int(size * total) if isinstance(size, float) else int(size)

    if left_size is not None and right_size is None:
        left = count(left_size)
        right = total - left
    elif right_size is not None and left_size is None:
        right = count(right_size)
        left = total - right
    else:
        left, right = count(left_size), count(right_size)
        if left + right > total:
            raise ValueError(
                f"The sum of `left_size` and `right_size` is larger than the number of samples "
                f"({total}). Received: left_size={left_size}, right_size={right_size}"
            )
    if left == 0 or right == 0:
        raise ValueError(
            f"Both sides of the split must have samples; with {total} samples, "
            f"left_size={left_size} and right_size={right_size} give {left} and {right}."
        )
    return left, right
