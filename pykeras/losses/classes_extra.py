"""Loss classes with masks or their own options: SparseCategoricalCrossentropy
(`ignore_class`), the focal cross-entropies, generalized cross-entropy, Dice,
Tversky, Circle and CTC, each as its Keras 3 namesake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.losses import functions, functions_extra
from pykeras.losses._shapes import as_tensor, shape_of
from pykeras.losses.classes import LossFunctionWrapper

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike

_REDUCTION = "sum_over_batch_size"


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer class ids and predicted class probabilities.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: a class id left out of the loss: its entries add 0 and,
            under the default reduction, the mean is over the other entries.
        reduction: see `Loss` (default "sum_over_batch_size").
        axis: the class axis (default -1).
        name: the loss's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = _REDUCTION,
        axis: int = -1,
        name: str | None = "sparse_categorical_crossentropy",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )

    def loss_mask(self, y_true: TensorLike, y_pred: TensorLike, values: Any) -> Any:
        ignore_class = self._fn_kwargs["ignore_class"]
        if ignore_class is None:
            return None
        y_true = as_tensor(y_true, "y_true")
        axis = self._fn_kwargs["axis"]
        if len(shape_of(y_true)) == len(shape_of(y_pred)) and shape_of(y_true)[axis] == 1:
            y_true = ops.squeeze(y_true, axis=axis)
        return functions.ignore_class_mask(y_true, ignore_class)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy focused on hard examples by `(1 - p_t) ** gamma`.

    Args:
        apply_class_balancing: weigh class 1 by `alpha`, class 0 by `1 - alpha`.
        alpha: the class-1 weight when balancing (default 0.25).
        gamma: the focusing exponent (default 2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes targets towards 0.5 by this amount.
        axis: the axis the mean is taken over.
        reduction: see `Loss`.
        name: the loss's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = _REDUCTION,
        name: str | None = "binary_focal_crossentropy",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions_extra.binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
        )


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy focused on hard examples by `alpha * (1 - p) ** gamma`.

    Args:
        alpha: the class weight, a float or one per class (default 0.25).
        gamma: the focusing exponent (default 2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes targets with `1 / num_classes` by this amount.
        axis: the class axis.
        reduction: see `Loss`.
        name: the loss's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = _REDUCTION,
        name: str | None = "categorical_focal_crossentropy",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions_extra.categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
            alpha=alpha,
            gamma=gamma,
        )


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy `(1 - p ** q) / q` over integer class ids.

    Args:
        q: the noise parameter, in (0, 1) (default 0.5).
        reduction: see `Loss`.
        name: the loss's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        q: float = 0.5,
        reduction: str | None = _REDUCTION,
        name: str | None = "categorical_generalized_cross_entropy",
        dtype: DTypeLike = None,
    ) -> None:
        if not 0 < q < 1:
            raise ValueError(
                f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1). "
                f"Received: q={q}"
            )
        super().__init__(
            functions_extra.categorical_generalized_cross_entropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            q=q,
        )


class Dice(LossFunctionWrapper):
    """Dice loss `1 - 2 |y_true * y_pred| / (|y_true| + |y_pred|)`.

    Args:
        reduction: see `Loss`.
        name: the loss's name.
        axis: the axes summed over (None: all).
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = _REDUCTION,
        name: str | None = "dice",
        axis: int | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions_extra.dice, reduction=reduction, name=name, dtype=dtype, axis=axis
        )


class Tversky(LossFunctionWrapper):
    """Tversky loss `1 - TP / (TP + alpha FP + beta FN)`.

    Args:
        alpha: the weight of false positives (default 0.5).
        beta: the weight of false negatives (default 0.5).
        reduction: see `Loss`.
        name: the loss's name.
        axis: the axes summed over (None: all).
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: str | None = _REDUCTION,
        name: str | None = "tversky",
        axis: int | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions_extra.tversky,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=axis,
        )


class Circle(LossFunctionWrapper):
    """Circle loss over a batch of L2-normalized embeddings and integer labels.

    Samples whose loss is 0 are left out of the mean, as in Keras.

    Args:
        gamma: the scale factor (default 80.0).
        margin: the relaxation margin (default 0.4).
        remove_diagonal: leave each sample's pair with itself out of the positives.
        reduction: see `Loss`.
        name: the loss's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: str | None = _REDUCTION,
        name: str | None = "circle",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions_extra.circle,
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )

    def loss_mask(self, y_true: TensorLike, y_pred: TensorLike, values: Any) -> Any:
        return ops.greater(values, 0.0)


class CTC(LossFunctionWrapper):
    """CTC loss between integer label sequences (0 = blank) and per-frame logits.

    Args:
        reduction: see `Loss`.
        name: the loss's name (default "ctc").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self, reduction: str | None = _REDUCTION, name: str | None = "ctc", dtype: DTypeLike = None
    ) -> None:
        super().__init__(functions_extra.ctc, reduction=reduction, name=name, dtype=dtype)
