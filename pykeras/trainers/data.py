"""Training data as the Rust loop wants it: flat lists of whole numpy arrays
(float32 features, float32 or int64 targets, float32 sample weights), all
with the same number of samples, checked before any training starts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pykeras import config
from pykeras._convert import to_float32, to_float64, to_index

if TYPE_CHECKING:
    from pykeras.engine.dtypes import DTypeLike
    from pykeras.trainers.compile_config import LossEntry
    from pykeras.trainers.model_protocol import Shape

Array = npt.NDArray[Any]


def convert_input(a: npt.ArrayLike, dtype: DTypeLike, model_name: str) -> Array:
    """Converts a model input to the dtype its Input declares (ids stay integers)."""
    what = f"the input of model '{model_name}'"
    if "int" in str(dtype):
        return to_index(a, what)
    if str(dtype) == "float64":
        return to_float64(a, what)
    return to_float32(a, what)


def is_array_like(x: object) -> bool:
    return isinstance(x, (np.ndarray, list, tuple, dict, int, float)) or hasattr(x, "__array__")


def flatten_targets(y: Any, output_names: list[str]) -> list[Any] | None:
    """`y` (array, list or dict keyed by output name) as a list per output."""
    if y is None:
        return None
    if isinstance(y, dict):
        missing = [n for n in output_names if n not in y]
        unknown = [k for k in y if k not in output_names]
        if missing or unknown:
            raise ValueError(
                f"Targets given as a dict must be keyed by the model's output names "
                f"{output_names}. Missing: {missing}. Unknown keys: {unknown}"
            )
        return [y[n] for n in output_names]
    if len(output_names) == 1:
        if isinstance(y, (list, tuple)) and len(y) == 1 and not np.isscalar(y[0]):
            first = np.asarray(y[0]) if not hasattr(y[0], "shape") else y[0]
            if getattr(first, "ndim", 0) >= 1:
                return [y[0]]
        return [y]
    if not isinstance(y, (list, tuple)) or len(y) != len(output_names):
        count = len(y) if isinstance(y, (list, tuple)) else 1
        raise ValueError(
            f"The model has {len(output_names)} outputs ({output_names}) but received "
            f"{count} target array(s). Pass a list with one array per output, or a dict."
        )
    return list(y)


def sample_count(arrays: Sequence[Array | None], names: Sequence[str]) -> int:
    """The common number of samples, or a ValueError naming the mismatches."""
    counts: dict[str, int] = {}
    for name, a in zip(names, arrays):
        if a is None:
            continue
        if np.ndim(a) == 0:
            raise ValueError(f"{name} must have a sample axis. Received a scalar.")
        counts[name] = len(a)
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{n}: {c}" for n, c in counts.items())
        raise ValueError(
            f"Data cardinality is ambiguous: make sure all arrays contain the same number of "
            f"samples. Received sample counts {detail}."
        )
    return next(iter(counts.values()), 0)


def prepare_target(
    y: npt.ArrayLike, loss_entry: LossEntry | None, pred_shape: Shape, output_name: str
) -> Array:
    """A target array in the form the training graph expects for its output."""
    what = f"the target of output '{output_name}'"
    arr = np.asarray(y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must be numeric. Received an array of dtype {arr.dtype}. Convert strings "
            "or objects to numbers first (e.g. class ids)."
        )
    classes = pred_shape[-1] if pred_shape else None
    if loss_entry is not None and loss_entry.is_sparse:
        ids = to_index(arr, what)
        if ids.ndim == len(pred_shape) and ids.shape[-1] == 1:
            ids = ids.reshape(ids.shape[:-1])
        if ids.ndim != len(pred_shape) - 1:
            raise ValueError(
                f"{loss_entry.name} expects class ids of shape {tuple(pred_shape[:-1])} for "
                f"output '{output_name}'. Received targets of shape {arr.shape}."
            )
        _check_ids(ids, classes, loss_entry.name, output_name)
        return np.ascontiguousarray(ids)
    # Targets take floatx: float64 under `set_floatx("float64")`, as Keras
    # computes the loss in the predictions' dtype.
    to_floatx = to_float64 if config.floatx() == "float64" else to_float32
    target = np.ascontiguousarray(to_floatx(arr, what))
    if loss_entry is not None and loss_entry.is_categorical and classes not in (None, 1):
        if target.ndim < len(pred_shape) or (
            target.ndim == len(pred_shape) and target.shape[-1] == 1
        ):
            raise ValueError(
                f"categorical_crossentropy expects one-hot targets of shape (..., {classes}) for "
                f"output '{output_name}', but received targets of shape {arr.shape} (class "
                "ids?). Use loss='sparse_categorical_crossentropy' for integer targets, or "
                "one-hot encode them (pykeras.utils.to_categorical)."
            )
    if pred_shape is not None and target.ndim == len(pred_shape) - 1 and pred_shape[-1] == 1:
        target = target[..., None]
    if pred_shape is not None and target.ndim == len(pred_shape):
        expected = tuple(pred_shape[1:])
        if any(e is not None and e != r for e, r in zip(expected, target.shape[1:])):
            raise ValueError(
                f"Target shape mismatch for output '{output_name}': the model outputs shape "
                f"{tuple(pred_shape)} but the targets have shape {target.shape}."
            )
    return target


def _check_ids(ids: Array, classes: int | None, loss_name: str, output_name: str) -> None:
    if classes is None or ids.size == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= classes:
        bad = low if low < 0 else high
        raise ValueError(
            f"{loss_name}: output '{output_name}' has {classes} classes, so targets must lie "
            f"in [0, {classes}). Received a target of {bad}."
        )


def class_weight_to_sample_weight(y: npt.ArrayLike, class_weight: Mapping[int, float]) -> Array:
    """Per-sample weights from a `{class: weight}` dict and the targets."""
    arr = np.asarray(y)
    if arr.ndim >= 2 and arr.shape[-1] > 1:
        classes = np.argmax(arr, axis=-1)
    else:
        classes = arr.reshape(len(arr), -1)[:, 0] if arr.ndim else arr
        classes = np.round(classes).astype(np.int64)
    classes = classes.reshape(len(arr))
    weights = np.ones(len(arr), np.float32)
    for cls, w in class_weight.items():
        weights[classes == int(cls)] = float(w)
    return weights


def split_validation(
    arrays: list[Array | None], validation_split: float
) -> tuple[list[Array | None], list[Array | None]]:
    """(train, validation): Keras takes the last `validation_split` of the samples."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            f"validation_split must be in (0, 1). Received: validation_split={validation_split}"
        )
    n = sample_count([a for a in arrays if a is not None], ["data"] * len(arrays))
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} leaves no samples for training or validation "
            f"(there are {n} samples)."
        )
    train = [None if a is None else a[:split_at] for a in arrays]
    val = [None if a is None else a[split_at:] for a in arrays]
    return train, val


def unpack_batch(batch: Any) -> tuple[Any, Any, Any]:
    """A generator/Sequence item as (x, y, sample_weight)."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(
            "A data generator must yield (x,), (x, y) or (x, y, sample_weight) tuples. "
            f"Received a tuple of length {len(batch)}."
        )
    return batch, None, None
