"""Softmax: the softmax activation as a layer, over one or several axes, with masks."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run

# Keras writes masked logits as this number (float32), not -inf.
_LARGE_NEGATIVE = -1e9


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along `axis`.

    Args:
        axis: an int, or a list of ints: the axes to normalise over
            (default -1).

    Call arguments:
        inputs: the logits.
        mask: optional mask broadcastable to `inputs` (1 keeps, 0 masks; each
            dimension 1 or the input's). Masked logits count as -1e9 and their
            outputs are 0, as in Keras.

    Example:

    >>> Softmax()(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]], dtype=float32)
    >>> Softmax()(np.array([[1.0, 2.0, 3.0]]), mask=np.array([[1, 1, 0]])).round(4)
    array([[0.2689, 0.7311, 0.    ]], dtype=float32)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True
        self.built = True

    def _axes(self) -> Any:
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def _check_axis(self, shape: Any) -> None:
        if shape is None:
            return
        for a in self._axes():
            if not -len(shape) <= a < len(shape):
                raise ShapeError(
                    f"Layer '{self.name}' got axis={self.axis}, out of range for inputs of rank "
                    f"{len(shape)}. Received: input_shape={tuple(shape)}"
                )

    def _check_mask(self, mask: Any, shape: Any) -> None:
        mask_shape = getattr(mask, "shape", None)
        if mask_shape is None or shape is None:
            return
        bad = len(mask_shape) > len(shape)
        for m, i in zip(reversed(mask_shape), reversed(shape)):
            if m is not None and i is not None and m not in (1, i):
                bad = True
        if bad:
            raise ShapeError(
                f"Layer '{self.name}': the `mask` must be broadcastable to `inputs` and must not "
                f"have more dimensions; each mask dimension must be 1 or match the input's. "
                f"Received: inputs.shape={tuple(shape)}, mask.shape={tuple(mask_shape)}"
            )

    def call(self, inputs: Any, mask: Any = None) -> Any:
        shape = getattr(inputs, "shape", None)
        self._check_axis(shape)
        keep = None
        if mask is not None:
            self._check_mask(mask, shape)
            # As Keras: a non-boolean mask keeps the entries above 0.5.
            keep = ops.cast(ops.greater(ops.cast(mask, "float32"), 0.5), "float32")
            inputs = ops.where(ops.greater(keep, 0.5), inputs, _LARGE_NEGATIVE)
        axes = self._axes()
        if len(axes) == 1:
            out = run("softmax", [inputs], axis=axes[0])
        else:
            out = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=axes, keepdims=True)))
        if keep is not None:
            out = ops.multiply(out, keep)
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._check_axis(input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
