"""Intersection-over-union metrics from a streaming confusion matrix: IoU,
BinaryIoU, MeanIoU, OneHotIoU and OneHotMeanIoU.

Each batch adds its (weighted) `num_classes x num_classes` confusion matrix
(rows: true class, columns: predicted class). As in Keras, the metrics
compute in their dtype, "int32" by default: float sample weights and float
class ids are truncated towards zero unless a float `dtype` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.losses._shapes import as_tensor, shape_of
from pykeras.metrics.metric import Metric

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike


class IoU(Metric):
    """The IoU `TP / (TP + FP + FN)` of `target_class_ids`, averaged over
    those that occur.

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoUs are averaged.
        name: the metric's name.
        dtype: the computation dtype (default "int32", as in Keras).
        ignore_class: a class id left out (e.g. a "void" class).
        sparse_y_true: targets are class ids (else one-hot, argmaxed).
        sparse_y_pred: predictions are class ids (else scores, argmaxed).
        axis: the class axis for argmax.
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: DTypeLike = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        target_class_ids = list(target_class_ids)
        if max(target_class_ids, default=-1) >= self.num_classes:
            raise ValueError(
                f"{type(self).__name__}: Target class id {max(target_class_ids)} is out of "
                f"range, which is [0, {self.num_classes})."
            )
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self._integer = dtype is None or "int" in str(dtype)

    def _ids(self, y_true: Any, y_pred: Any) -> Any:
        """Targets and predictions as flat class ids."""
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        return y_true, y_pred

    def _as_dtype(self, x: Any) -> Any:
        x = ops.cast(x, "float32")
        return ops.cast(ops.cast(x, "int32"), "float32") if self._integer else x

    def batch_state(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        y_true, y_pred = self._ids(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))
        y_true = ops.reshape(self._as_dtype(y_true), [-1])
        y_pred = ops.reshape(self._as_dtype(y_pred), [-1])
        if sample_weight is None:
            weight = ops.ones_like(y_true)
        else:
            weight = self._as_dtype(as_tensor(sample_weight, "sample_weight"))
            if len(shape_of(weight)) > 1:
                weight = ops.reshape(weight, [-1])
            weight = ops.multiply(weight, ops.ones_like(y_true))
        n = float(self.num_classes)
        valid = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, 0.0), ops.less(y_true, n)),
            ops.logical_and(ops.greater_equal(y_pred, 0.0), ops.less(y_pred, n)),
        )
        if self.ignore_class is not None:
            valid = ops.logical_and(valid, ops.not_equal(y_true, float(self.ignore_class)))
        weight = ops.where(valid, weight, 0.0)
        true_hot = ops.one_hot(ops.cast(ops.where(valid, y_true, 0.0), "int32"), self.num_classes)
        pred_hot = ops.one_hot(ops.cast(ops.where(valid, y_pred, 0.0), "int32"), self.num_classes)
        weighted = ops.multiply(true_hot, ops.expand_dims(weight, -1))
        return [ops.matmul(ops.transpose(weighted), pred_hot)]

    def _empty_states(self) -> Any:
        return [np.zeros((self.num_classes, self.num_classes))]

    def result_from(self, states: Any) -> Any:
        cm = np.asarray(states[0], np.float64).reshape(self.num_classes, self.num_classes)
        tp = np.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        ids = np.asarray(self.target_class_ids, np.int64)
        tp, denominator = tp[ids].astype(np.float32), denominator[ids].astype(np.float32)
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + np.float32(1e-7)), 0.0)
        return float(np.sum(iou) / (np.sum(valid) + 1e-7))

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU for binary targets, predictions counting as 1 when >= `threshold`.

    Args:
        target_class_ids: the classes (0 and/or 1) averaged (default both).
        threshold: predictions >= it are class 1 (default 0.5).
        name: the metric's name.
        dtype: the computation dtype (default "int32").
    """

    def __init__(
        self,
        target_class_ids: Any = (0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def _ids(self, y_true: Any, y_pred: Any) -> Any:
        return y_true, ops.cast(ops.greater_equal(y_pred, self.threshold), "float32")

    def get_config(self) -> dict[str, Any]:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """The IoU averaged over every class that occurs.

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: the computation dtype (default "int32").
        ignore_class: a class id left out.
        sparse_y_true: targets are class ids (else one-hot).
        sparse_y_pred: predictions are class ids (else scores).
        axis: the class axis for argmax.
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: DTypeLike = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes,
            list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of `target_class_ids` for one-hot targets (and score predictions).

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoUs are averaged.
        name: the metric's name.
        dtype: the computation dtype (default "int32").
        ignore_class: a class id left out.
        sparse_y_pred: predictions are class ids (else scores, argmaxed).
        axis: the class axis.
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: DTypeLike = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """The IoU averaged over every class, for one-hot targets.

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: the computation dtype (default "int32").
        ignore_class: a class id left out.
        sparse_y_pred: predictions are class ids (else scores, argmaxed).
        axis: the class axis.
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: DTypeLike = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
