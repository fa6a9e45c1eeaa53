"""Cross-entropies as Keras 3 computes them: probabilities are renormalised
and clipped to [epsilon, 1 - epsilon] with epsilon = 1e-7; logits go through
log_softmax / log_sigmoid, so large logits stay finite."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras._convert import to_index
from pykeras.ops._dispatch import integer_positions, run
from pykeras.ops.compare import one_hot
from pykeras.ops.math import clip, log, multiply, negative, subtract, sum

if TYPE_CHECKING:
    from pykeras.engine.typing import Axis, Tensor, TensorLike

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "log_sigmoid",
    "sparse_categorical_crossentropy",
]

EPSILON = 1e-7


def _shape(x: Any) -> Any:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _log_probabilities(output: Any, from_logits: bool, axis: Any) -> Any:
    if from_logits:
        return run("log_softmax", [output], axis=axis)  # ops.nn.log_softmax
    output = output / sum(output, axis=axis, keepdims=True)
    return log(clip(output, EPSILON, 1.0 - EPSILON))


def categorical_crossentropy(
    target: TensorLike, output: TensorLike, from_logits: bool = False, axis: Axis = -1
) -> Tensor:
    """Per-sample `-sum(target * log(p))` over `axis` (target: probabilities)."""
    if from_logits and _is_float64(output) and axis in (-1, len(_shape(output)) - 1):
        # float64 logits take the fused op's float64 kernel (its float labels
        # path); float32 ones keep the log_softmax form they always took.
        return run("softmax_cross_entropy", [output, target])
    return negative(sum(multiply(target, _log_probabilities(output, from_logits, axis)), axis))


def _is_float64(x: Any) -> bool:
    """Whether the core holds `x` in float64 (a traced tensor's `.dtype` is
    Keras's logical one, which maps 64-bit types to 32-bit)."""
    graph = getattr(getattr(x, "tracer", None), "graph", None)
    node = getattr(x, "node", None)
    if graph is not None and isinstance(node, int):
        spec = graph.spec(node)
        return spec is not None and spec[1] == "float64"
    return str(getattr(x, "dtype", None)) == "float64"


def sparse_categorical_crossentropy(
    target: TensorLike, output: TensorLike, from_logits: bool = False, axis: Axis = -1
) -> Tensor:
    """Per-sample cross-entropy with integer class ids as the target."""
    output_shape = _shape(output)
    target = _class_ids(target, len(output_shape))
    if from_logits and axis in (-1, len(output_shape) - 1):
        # The fused op: log-sum-exp and gradient softmax - one_hot in one pass.
        inputs = [output, target]
        return run("softmax_cross_entropy", inputs, integer_positions(inputs, (1,)))
    classes = output_shape[axis]
    hot = one_hot(target, classes)
    return negative(sum(multiply(hot, _log_probabilities(output, from_logits, axis)), axis))


def _class_ids(target: Any, output_rank: Any) -> Any:
    """Array targets as int64 class ids without a trailing axis of 1 (graph
    targets arrive prepared by the trainer)."""
    if not isinstance(target, (np.ndarray, list, tuple, int, np.generic)):
        return target
    ids = to_index(target, "sparse_categorical_crossentropy target")
    if ids.ndim == output_rank and ids.shape[-1] == 1:
        ids = ids.reshape(ids.shape[:-1])
    return ids


def log_sigmoid(x: TensorLike) -> Tensor:
    """`log(sigmoid(x))`, computed as `-softplus(-x)` to stay finite."""
    return negative(run("softplus", [negative(x)]))  # -ops.nn.softplus(-x)


def binary_crossentropy(
    target: TensorLike, output: TensorLike, from_logits: bool = False
) -> Tensor:
    """Elementwise binary cross-entropy."""
    if from_logits:
        return subtract(
            negative(multiply(target, log_sigmoid(output))),
            multiply(subtract(1.0, target), log_sigmoid(negative(output))),
        )
    output = clip(output, EPSILON, 1.0 - EPSILON)
    positive = multiply(target, log(output))
    negative_part = multiply(subtract(1.0, target), log(subtract(1.0, output)))
    return negative(positive + negative_part)
