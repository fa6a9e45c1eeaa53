"""Core ops: dtype casts, gradient stops, custom gradients and conversions
between tensors and NumPy arrays."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.backend.dtypes import standardize_dtype
from pykeras.engine import symbolic_scope
from pykeras.engine.custom_gradient import custom_vjp, unpack_result
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import find_tracer
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from typing import TypeGuard

    from pykeras.engine.tracing import GraphTensor
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = [
    "cast",
    "convert_to_numpy",
    "convert_to_tensor",
    "custom_gradient",
    "stop_gradient",
]


def _is_symbolic(x: object) -> TypeGuard[KerasTensor | GraphTensor]:
    """Whether `x` is a symbolic or traced tensor (no value yet)."""
    return hasattr(x, "_keras_history") or hasattr(x, "tracer")


def _dtype_name(dtype: Any) -> str:
    """A dtype's name: NumPy dtypes and type names alike ("float32")."""
    if dtype == "bfloat16":
        return "bfloat16"
    return getattr(dtype, "name", None) or np.dtype(dtype).name


def _in_trace(x: object) -> bool:
    """Whether `x` (a variable, say) must become a node of a graph being traced."""
    return find_tracer([x]) is not None


def _keras_name(name: str) -> Any:
    try:
        return standardize_dtype(name)
    except ValueError:
        return name


def cast(x: TensorLike, dtype: DTypeLike) -> Tensor:
    """Casts a tensor to `dtype`.

    Eagerly the result has exactly `dtype` (floats to integers truncate
    toward zero, as NumPy). Inside models the result reports `dtype`
    (`.dtype`) and computes as float32 for float types and as int64 for
    integer types; a cast to bool is `x != 0`.

    Args:
        x: a tensor, array, `Variable` or Python number.
        dtype: the target type's name (`"float32"`, `"int32"`, `"bool"`, ...).

    Returns:
        `x` as `dtype`.

    Example:

    >>> pykeras.ops.cast(np.array([1.7, -1.7]), "int32")
    array([ 1, -1], dtype=int32)
    """
    name = _dtype_name(dtype)
    if _is_symbolic(x) or _in_trace(x):
        keras_name = _keras_name(name)
        if keras_name == "bool":
            # Any non-zero value is True (truncation would make 0.5 False).
            return run("not_equal", [x, 0.0], keras_dtype="bool")
        return run("cast", [x], dtype=name, keras_dtype=keras_name)
    if hasattr(x, "numpy"):
        x = x.numpy()
    if name == "bfloat16":
        raise ValueError("cast: bfloat16 is not available here. Received: dtype='bfloat16'")
    return np.asarray(x).astype(name)


def stop_gradient(variable: TensorLike) -> Tensor:
    """`variable` unchanged, with no gradient flowing back through it.

    Args:
        variable: a tensor.

    Returns:
        The same values.
    """
    if _is_symbolic(variable):
        return run("stop_gradient", [variable])
    if hasattr(variable, "numpy"):
        return variable.numpy()
    return np.asarray(variable)


def convert_to_tensor(
    x: TensorLike,
    dtype: DTypeLike = None,
    sparse: bool | None = None,
    ragged: bool | None = None,
) -> Tensor:
    """`x` as a tensor (eagerly, a NumPy array), cast to `dtype` if given.

    Args:
        x: an array-like, `Variable` or tensor.
        dtype: an optional type name.
        sparse: accepted for Keras compatibility; sparse tensors are dense here.
        ragged: accepted for Keras compatibility; must be falsy.

    Returns:
        A NumPy array (or the symbolic tensor itself).
    """
    if ragged:
        raise ValueError(
            "convert_to_tensor: ragged tensors are not supported. Received: ragged=True"
        )
    if _is_symbolic(x):
        return x if dtype is None else cast(x, dtype)
    if hasattr(x, "numpy"):
        x = x.numpy()
    array = np.asarray(x)
    if dtype is not None:
        return array.astype(_dtype_name(dtype))
    if array.dtype == np.float64 and not isinstance(x, np.ndarray):
        # Python floats become float32, Keras's floatx.
        return array.astype(np.float32)
    return array


def convert_to_numpy(x: TensorLike) -> Tensor:
    """`x` as a NumPy array.

    Raises:
        ValueError: for a symbolic tensor, which has no value.
    """
    if _is_symbolic(x):
        raise ValueError(
            "convert_to_numpy: a symbolic tensor has no value while a model is built. "
            f"Received: {x!r}"
        )
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _keyword_upstream(grad_fn: Callable[..., Any]) -> Callable[..., Any]:
    """`grad_fn` called as JAX and TensorFlow call it, `grad_fn(upstream)`,
    or, when its `upstream` is keyword-only (Keras's PyTorch form
    `grad(*args, upstream)`), as `grad_fn(upstream=upstream)`."""
    try:
        parameter = inspect.signature(grad_fn).parameters.get("upstream")
    except (TypeError, ValueError):
        parameter = None
    if parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY:
        return lambda upstream: grad_fn(upstream=upstream)
    return grad_fn


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator to define a function with a custom gradient.

    This decorator allows fine grained control over the gradients of a
    sequence for operations. This may be useful for multiple reasons,
    including providing a more efficient or numerically stable gradient for
    a sequence of operations.

    In a model being trained (and under a `GradientTape`), the function runs
    as usual and `grad_fn` is traced once, on a symbolic upstream gradient,
    into the backward pass in place of the rules of the function's ops; the
    values `grad_fn` reads (the arguments, results it closes over, weights)
    are those of the current step.

    Args:
        f: Function `f(*args)` that returns a tuple `(output, grad_fn)`,
            where `args` are the tensor inputs, `output` is one tensor, and
            `grad_fn(upstream)` (or `grad_fn(*args, upstream)`, the form
            Keras's PyTorch backend calls) returns the gradient of each
            argument (a tensor of the argument's shape, or None), one tensor
            for a function of one argument.

    Returns:
        A function `h(*args)` which returns the same value as `f(*args)[0]`
        and whose gradient is determined by `f(*args)[1]`.

    Example:

    >>> @keras.ops.custom_gradient
    ... def clip_gradient(x):
    ...     def grad(upstream):
    ...         return keras.ops.clip(upstream, -0.1, 0.1)
    ...     return x * 1.0, grad
    >>> x = keras.Variable(np.array([1.0, 2.0], "float32"))
    >>> with keras.GradientTape() as tape:
    ...     y = keras.ops.sum(clip_gradient(x) * 5.0)
    >>> tape.gradient(y, x)
    array([0.1, 0.1], dtype=float32)
    """
    if not callable(f):
        raise TypeError(f"Op 'custom_gradient' expected a function. Received: {f!r}")

    def run_f(*args: Any, **kwargs: Any) -> Any:
        result, grad_fn = unpack_result(f, f(*args, **kwargs))
        return result, _keyword_upstream(grad_fn)

    @functools.wraps(f)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, KerasTensor) for a in args):
            if symbolic_scope.active():
                # A layer's call on symbolic inputs: shapes only.
                return run_f(*args, **kwargs)[0]
            raise TypeError(
                f"Op 'custom_gradient': '{getattr(f, '__name__', f)}' was called on symbolic "
                "inputs outside a layer, where its ops would be recorded one by one and its "
                "gradient lost. Call it inside a layer's `call()` (or a `keras.layers.Lambda`)."
            )
        outer = find_tracer(args)
        if outer is None:
            # Nothing records gradients: the value is all there is.
            return run_f(*args, **kwargs)[0]
        return custom_vjp(outer, run_f, args, kwargs)

    return decorated
