"""Keras's focal, generalized cross-entropy, overlap (Dice, Tversky), metric
learning (Circle) and sequence (CTC) losses, built from `pykeras.ops` so that
they run eagerly and inside a training graph alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.losses._shapes import as_tensor, shape_of

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

EPSILON = 1e-7


def binary_focal_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary cross-entropy scaled by `(1 - p_t) ** gamma`, which down-weights
    easy examples (Lin et al., 2018).

    Args:
        y_true: binary targets, shape `(batch, d0, .. dN)`.
        y_pred: predicted probabilities (or logits), same shape.
        apply_class_balancing: weigh class 1 by `alpha` and class 0 by `1 - alpha`.
        alpha: the class-1 weight when balancing.
        gamma: the focusing exponent; 0 gives plain binary cross-entropy.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes targets towards 0.5 by this amount.
        axis: the axis the mean is taken over.

    Returns:
        The loss per sample, shape `(batch, d0, .. dN-1)`.
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    one_minus_true = ops.subtract(1.0, y_true)
    p_t = ops.add(
        ops.multiply(y_true, y_pred), ops.multiply(one_minus_true, ops.subtract(1.0, y_pred))
    )
    focal_bce = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha), ops.multiply(one_minus_true, 1.0 - alpha))
        focal_bce = ops.multiply(weight, focal_bce)
    return ops.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical cross-entropy scaled by `alpha * (1 - p) ** gamma` per class.

    Args:
        y_true: one-hot targets.
        y_pred: class probabilities (or logits).
        alpha: a weight for every class (a float, or one per class).
        gamma: the focusing exponent; 0 gives `alpha` times cross-entropy.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes the targets with `1 / num_classes` by this amount.
        axis: the class axis.

    Returns:
        The loss per sample.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type bool")
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    if label_smoothing:
        classes = shape_of(y_true)[-1]
        y_true = ops.add(
            ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / float(classes)
        )
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    output = ops.clip(output, EPSILON, 1.0 - EPSILON)
    cce = ops.negative(ops.multiply(y_true, ops.log(output)))
    modulating = ops.power(ops.subtract(1.0, output), float(gamma))
    weighting = ops.multiply(modulating, as_tensor(alpha, "alpha"))
    return ops.sum(ops.multiply(weighting, cce), axis=axis)


def categorical_generalized_cross_entropy(
    y_true: TensorLike, y_pred: TensorLike, q: float
) -> Tensor:
    """Generalized cross-entropy `(1 - p ** q) / q`, `p` the predicted
    probability of the true class (Zhang & Sabuncu, 2018): noise-robust,
    between cross-entropy (`q -> 0`) and mean absolute error (`q -> 1`).

    Args:
        y_true: integer class ids, shape `(batch,)` or `(batch, 1)`.
        y_pred: class probabilities, shape `(batch, num_classes)`.
        q: the noise parameter in (0, 1).
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    one_hot = ops.one_hot(ops.cast(y_true, "int32"), shape_of(y_pred)[-1])
    if len(shape_of(one_hot)) > len(shape_of(y_pred)):
        one_hot = ops.squeeze(one_hot, axis=-2)
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, float(q))), float(q))


def dice(y_true: TensorLike, y_pred: TensorLike, axis: int | None = None) -> Tensor:
    """Dice loss `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`.

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: the axes summed over (None: all, giving one scalar).
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    axis = _axes(axis)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    denominator = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), EPSILON)
    return ops.subtract(1.0, ops.divide(ops.multiply(2.0, intersection), denominator))


def tversky(
    y_true: TensorLike,
    y_pred: TensorLike,
    alpha: float = 0.5,
    beta: float = 0.5,
    axis: int | None = None,
) -> Tensor:
    """Tversky loss `1 - TP / (TP + alpha * FP + beta * FN)` (Salehi et al., 2017).

    Args:
        y_true: targets.
        y_pred: predictions.
        alpha: the weight of false positives.
        beta: the weight of false negatives.
        axis: the axes summed over (None: all).
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    axis = _axes(axis)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    # Keras's naming: `fp` weighs targets the prediction misses (and `fn` the converse).
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(
        ops.add(intersection, ops.add(ops.multiply(fp, alpha), ops.multiply(fn, beta))), EPSILON
    )
    return ops.subtract(1.0, ops.divide(intersection, denominator))


def _axes(axis: int | Sequence[int] | None) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _positions(labels: Any) -> Any:
    """0, 1, 2, ... along a rank-1 tensor (also when its length is unknown)."""
    return ops.subtract(ops.cumsum(ops.add(ops.multiply(labels, 0.0), 1.0)), 1.0)


def circle(
    y_true: TensorLike,
    y_pred: TensorLike,
    ref_labels: TensorLike | None = None,
    ref_embeddings: TensorLike | None = None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
) -> Tensor:
    """Circle loss (Sun et al., 2020) over pairwise cosine distances of
    L2-normalized embeddings: pulls same-label pairs together and pushes
    different-label pairs apart, each pair weighted by how far it is from its
    optimum.

    Args:
        y_true: integer labels, shape `(batch,)` or `(batch, 1)`.
        y_pred: L2-normalized embeddings, shape `(batch, dim)`.
        ref_labels: labels of the reference embeddings (default `y_true`).
        ref_embeddings: L2-normalized reference embeddings (default `y_pred`).
        remove_diagonal: leave each embedding's pair with itself out of the
            positives.
        gamma: the scale factor.
        margin: the relaxation margin.

    Returns:
        The loss per sample, shape `(batch,)`.
    """
    y_pred = as_tensor(y_pred, "y_pred")
    labels = ops.reshape(as_tensor(y_true, "y_true"), [-1])
    refs = y_pred if ref_embeddings is None else as_tensor(ref_embeddings, "ref_embeddings")
    ref_labels = (
        labels if ref_labels is None else ops.reshape(as_tensor(ref_labels, "ref_labels"), [-1])
    )
    distances = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(refs))), 0.0)
    positive = ops.equal(ops.expand_dims(labels, 1), ops.expand_dims(ref_labels, 0))
    negative = ops.logical_not(positive)
    if remove_diagonal:
        same_position = ops.equal(
            ops.expand_dims(_positions(labels), 1), ops.expand_dims(_positions(ref_labels), 0)
        )
        positive = ops.logical_and(positive, ops.logical_not(same_position))
    pos_weights = ops.maximum(
        ops.multiply(ops.add(margin, distances), ops.cast(positive, "float32")), 0.0
    )
    neg_weights = ops.maximum(
        ops.multiply(ops.subtract(1.0 + margin, distances), ops.cast(negative, "float32")), 0.0
    )
    pos_terms = ops.multiply(
        ops.multiply(-float(gamma), pos_weights), ops.subtract(margin, distances)
    )
    neg_terms = ops.multiply(
        ops.multiply(float(gamma), neg_weights), ops.subtract(1.0 - margin, distances)
    )
    p_loss = ops.logsumexp(ops.where(positive, pos_terms, float("-inf")), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_terms, float("-inf")), axis=1)
    return ops.softplus(ops.add(p_loss, n_loss))


def ctc(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """CTC (Connectionist Temporal Classification) loss.

    Args:
        y_true: integer labels, shape `(batch, max_length)`; 0 is the blank
            (mask) index and pads the labels.
        y_pred: logits (not softmaxed), shape `(batch, max_length, num_classes)`.

    Returns:
        The loss per sample, shape `(batch,)`.
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = as_tensor(y_true, "y_true")
    if len(shape_of(y_true)) != 2:
        raise ShapeError(
            "ctc: targets `y_true` are expected to be a tensor of shape `(batch_size, "
            f"max_length)` in integer format. Received: y_true.shape={shape_of(y_true)}"
        )
    if len(shape_of(y_pred)) != 3:
        raise ShapeError(
            "ctc: logits `y_pred` are expected to be a tensor of shape "
            f"`(batch_size, max_length, num_classes)`. Received: y_pred.shape={shape_of(y_pred)}"
        )
    frames = shape_of(y_pred)[1]
    # Every sequence spans all frames; each label's length is its non-blank count.
    batch_ones = ops.add(ops.multiply(ops.sum(y_true, axis=-1), 0.0), 1.0)
    input_length = ops.cast(ops.multiply(batch_ones, float(frames)), "int32")
    label_length = ops.cast(ops.sum(ops.not_equal(y_true, 0.0), axis=-1), "int32")
    return ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_length, input_length, mask_index=0)
