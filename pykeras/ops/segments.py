"""Segment reductions, as `keras.ops` has them: segment_sum, segment_max,
segment_min, segment_prod.

Row `s` of the result reduces the rows of `data` whose segment id is `s`.
They run on the core's primitives of the same names, so they work eagerly,
in Functional models and in traced graphs, and are differentiable:

- Ids outside `[0, num_segments)`, negative ones included, are dropped, as
  Keras on JAX drops them. An empty segment holds the identity: 0 (sum),
  -inf (max), inf (min), 1 (prod); for integer data the dtype's smallest
  and largest values stand for -inf and inf, as on JAX.
- Gradients: sum passes each segment's gradient to its rows; max and min to
  the rows equal to the result, split evenly among ties (as JAX); prod
  gives each row the product of the others in its segment (exact with
  zeros).
- `num_segments` must be given for symbolic tensors (the output's shape
  depends on it); eagerly it defaults to `max(segment_ids) + 1`.
- `sorted` is a hint that the ids are sorted; results are the same either
  way, so it is accepted and not needed.
- Eagerly, integer data keeps its dtype and is reduced exactly by NumPy
  (integer results have no gradient); float64 data is reduced in float64
  (as Keras with x64), other data gives float32. Symbolic results are
  float32 (float64 for float64 inputs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras._convert import to_index
from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]

# NumPy's in-place reduction for each op and the identity of an empty segment.
_UFUNCS = {
    "segment_sum": np.add,
    "segment_max": np.maximum,
    "segment_min": np.minimum,
    "segment_prod": np.multiply,
}


def _identity(op: str, dtype: Any) -> Any:
    if op == "segment_max":
        return np.iinfo(dtype).min
    if op == "segment_min":
        return np.iinfo(dtype).max
    return 1 if op == "segment_prod" else 0


def _eager(x: Any) -> Any:
    return x.numpy() if isinstance(x, Variable) else np.asarray(x)


def _segment(op: str, data: Any, segment_ids: Any, num_segments: int | None) -> Any:
    symbolic = C.any_symbolic([data, segment_ids])
    data_shape = C.shape_of(op, data)
    ids_shape = C.shape_of(op, segment_ids)
    if len(data_shape) == 0:
        raise ShapeError(
            f"Op '{op}' expected data of rank 1 or more (segments are taken along its first "
            f"axis). Received: a scalar (shape ())"
        )
    if len(ids_shape) != 1:
        raise ShapeError(
            f"Op '{op}' expected segment_ids of rank 1, one id per row of data. Received: "
            f"segment_ids of shape {C.dims_text(ids_shape)}"
        )
    if num_segments is None:
        if symbolic:
            raise InvalidArgumentError(
                f"Op '{op}' needs num_segments on symbolic tensors: the number of output rows "
                f"must be known before run time. Received: num_segments=None"
            )
        ids = _eager(segment_ids)
        num_segments = int(ids.max()) + 1 if ids.size else 0
        num_segments = max(num_segments, 0)
    else:
        if isinstance(num_segments, np.ndarray) and num_segments.ndim == 0:
            num_segments = num_segments.item()
        num_segments = C.check_int(op, "num_segments", num_segments, low=0)
    if not symbolic:
        values = _eager(data)
        if values.dtype.kind in "iu":
            return _integer_segments(op, values, _eager(segment_ids), num_segments)
    return run(op, [data, segment_ids], index_inputs=(1,), num_segments=num_segments)


def _integer_segments(op: str, values: Any, ids: Any, num_segments: int | None) -> Any:
    """The exact eager result for integer data (no gradient to keep)."""
    if ids.shape != values.shape[:1]:
        raise ShapeError(
            f"Op '{op}' expected segment_ids of shape ({values.shape[0]},), one id per row of "
            f"data. Received: data of shape {C.dims_text(values.shape)} and segment_ids of "
            f"shape {C.dims_text(ids.shape)}"
        )
    ids = to_index(ids, f"{op} segment_ids")
    out = np.full((num_segments,) + values.shape[1:], _identity(op, values.dtype), values.dtype)
    keep = (ids >= 0) & (ids < num_segments)
    _UFUNCS[op].at(out, ids[keep].astype(np.int64), values[keep])
    return out


def segment_sum(
    data: TensorLike,
    segment_ids: TensorLike,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Computes the sum of segments in a tensor.

    Args:
        data: Input tensor.
        segment_ids: A 1-D tensor containing segment indices for each
            element in `data`. Num indices should be less than
            `num_segments`; other ids (negative ones too) are dropped.
        num_segments: An integer representing the total number of
            segments. If not specified, it is inferred from the maximum
            value in `segment_ids` (eagerly only; symbolic tensors need it).
        sorted: A boolean indicating whether `segment_ids` is sorted.
            Defaults to `False`.

    Returns:
        A tensor containing the sum of segments, where each element
        represents the sum of the corresponding segment in `data`.

    Example:

    >>> data = np.array([1, 2, 10, 20, 100, 200])
    >>> segment_ids = np.array([0, 0, 1, 1, 2, 2])
    >>> keras.ops.segment_sum(data, segment_ids, num_segments=3)
    array([  3,  30, 300])
    """
    return _segment("segment_sum", data, segment_ids, num_segments)


def segment_max(
    data: TensorLike,
    segment_ids: TensorLike,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Computes the max of segments in a tensor.

    Empty segments hold -inf (the dtype's smallest value for integer data).

    Args:
        data: Input tensor.
        segment_ids: A 1-D tensor containing segment indices for each
            element in `data`. Out-of-range ids are dropped.
        num_segments: An integer representing the total number of
            segments. If not specified, it is inferred from the maximum
            value in `segment_ids` (eagerly only; symbolic tensors need it).
        sorted: A boolean indicating whether `segment_ids` is sorted.
            Defaults to `False`.

    Returns:
        A tensor containing the max of segments, where each element
        represents the max of the corresponding segment in `data`.

    Example:

    >>> data = np.array([1, 2, 10, 20, 100, 200])
    >>> segment_ids = np.array([0, 0, 1, 1, 2, 2])
    >>> keras.ops.segment_max(data, segment_ids, num_segments=3)
    array([  2,  20, 200])
    """
    return _segment("segment_max", data, segment_ids, num_segments)


def segment_min(
    data: TensorLike,
    segment_ids: TensorLike,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Computes the min of segments in a tensor.

    Empty segments hold inf (the dtype's largest value for integer data).

    Args:
        data: Input tensor.
        segment_ids: A 1-D tensor containing segment indices for each
            element in `data`. Out-of-range ids are dropped.
        num_segments: An integer representing the total number of
            segments. If not specified, it is inferred from the maximum
            value in `segment_ids` (eagerly only; symbolic tensors need it).
        sorted: A boolean indicating whether `segment_ids` is sorted.
            Defaults to `False`.

    Returns:
        A tensor containing the min of segments.

    Example:

    >>> data = np.array([1, 2, 10, 20, 100, 200])
    >>> segment_ids = np.array([0, 0, 1, 1, 2, 2])
    >>> keras.ops.segment_min(data, segment_ids, num_segments=3)
    array([  1,  10, 100])
    """
    return _segment("segment_min", data, segment_ids, num_segments)


def segment_prod(
    data: TensorLike,
    segment_ids: TensorLike,
    num_segments: int | None = None,
    sorted: bool = False,  # noqa: A002
) -> Tensor:
    """Computes the product of segments in a tensor.

    Empty segments hold 1.

    Args:
        data: Input tensor.
        segment_ids: A 1-D tensor containing segment indices for each
            element in `data`. Out-of-range ids are dropped.
        num_segments: An integer representing the total number of
            segments. If not specified, it is inferred from the maximum
            value in `segment_ids` (eagerly only; symbolic tensors need it).
        sorted: A boolean indicating whether `segment_ids` is sorted.
            Defaults to `False`.

    Returns:
        A tensor containing the product of segments.

    Example:

    >>> data = np.array([1, 2, 10, 20, 100, 200])
    >>> segment_ids = np.array([0, 0, 1, 1, 2, 2])
    >>> keras.ops.segment_prod(data, segment_ids, num_segments=3)
    array([    2,   200, 20000])
    """
    return _segment("segment_prod", data, segment_ids, num_segments)
