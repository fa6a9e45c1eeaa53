"""Keras's loss functions: each maps `(y_true, y_pred)` to one loss value per
sample (the last axis reduced). They are built from `pykeras.ops`, so the
same code runs eagerly on arrays and inside a training graph, where Rust
differentiates it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.losses._shapes import as_tensor, same_rank, shape_of

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

EPSILON = 1e-7


def _prepare(y_true: Any, y_pred: Any) -> Any:
    y_true = as_tensor(y_true, "y_true")
    y_pred = as_tensor(y_pred, "y_pred")
    return same_rank(y_true, y_pred)


def mean_squared_error(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(square(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), EPSILON)))
    return ops.multiply(100.0, ops.mean(diff, axis=-1))


def mean_squared_logarithmic_error(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)`, inputs floored at epsilon."""
    y_true, y_pred = _prepare(y_true, y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, EPSILON), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, EPSILON), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def huber(y_true: TensorLike, y_pred: TensorLike, delta: float = 1.0) -> Tensor:
    """Quadratic for errors up to `delta`, linear beyond."""
    y_true, y_pred = _prepare(y_true, y_pred)
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(0.5, ops.square(error))
    linear = ops.subtract(ops.multiply(delta, abs_error), 0.5 * delta * delta)
    return ops.mean(ops.where(ops.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow."""
    y_true, y_pred = _prepare(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    # log(cosh(x)) = x + softplus(-2x) - log(2): finite for large |x|.
    value = ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), math.log(2.0))
    return ops.mean(value, axis=-1)


def binary_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Mean binary cross-entropy over `axis`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def categorical_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Cross-entropy between one-hot (or probability) targets and predictions."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type bool")
    y_true = as_tensor(y_true, "y_true")
    y_pred = as_tensor(y_pred, "y_pred")
    if label_smoothing:
        classes = shape_of(y_pred)[-1]
        y_true = ops.add(
            ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / float(classes)
        )
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Tensor:
    """Cross-entropy with integer class ids as targets.

    Args:
        y_true: integer class ids (a trailing axis of 1 is dropped).
        y_pred: class probabilities (or logits, with `from_logits=True`).
        from_logits: whether `y_pred` holds logits.
        ignore_class: a class id whose entries contribute 0 (a "void" class in
            segmentation maps); the `SparseCategoricalCrossentropy` class then
            also leaves them out of the mean.
        axis: the class axis of `y_pred`.
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    true_shape, pred_shape = shape_of(y_true), shape_of(y_pred)
    if len(true_shape) == len(pred_shape) and true_shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=from_logits, axis=axis
        )
    valid = ignore_class_mask(y_true, ignore_class)
    y_true = ops.where(valid, y_true, 0.0)
    # Ignored entries get a uniform prediction (Keras puts 0, which divides 0 by 0
    # in the probability normalization); their loss is masked to 0 below anyway.
    y_pred = ops.where(ops.expand_dims(valid, axis), y_pred, 1.0)
    res = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    return ops.where(valid, res, 0.0)


def ignore_class_mask(y_true: TensorLike, ignore_class: int) -> Tensor:
    """Where integer targets are not `ignore_class` (a trailing axis of 1 dropped)."""
    return ops.not_equal(y_true, float(ignore_class))


def kl_divergence(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to [epsilon, 1]."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = ops.clip(y_true, EPSILON, 1.0)
    y_pred = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(
        ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, EPSILON)))), axis=-1
    )


def _hinge_labels(y_true: Any) -> Any:
    """Labels that are all 0 or 1 become -1 or 1 (the hinge losses' convention)."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(is_binary, ops.subtract(ops.multiply(y_true, 2.0), 1.0), y_true)


def hinge(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`, with 0/1 labels mapped to -1/1."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    margin = ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    positive = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    negative = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(negative, positive), 1.0), 0.0)


def _l2_normalize(x: Any, axis: int) -> Any:
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(square_sum, 1e-14)))


def cosine_similarity(y_true: TensorLike, y_pred: TensorLike, axis: int = -1) -> Tensor:
    """Negative cosine similarity along `axis` (so that minimising aligns them)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    product = ops.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis))
    return ops.negative(ops.sum(product, axis=axis))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh
huber_loss = huber
