"""How a `keras.random` call reaches the core: the seed (None, int or
`SeedGenerator`) turned into the primitives' seed input and attributes, and
the call run eagerly, recorded symbolically or added to a traced graph."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import config
from pykeras.engine import symbolic_scope, tracing
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _dynamic, _image_sample
from pykeras.ops._dispatch import run
from pykeras.ops._dynamic import is_size_tensor
from pykeras.random import _stream
from pykeras.random.seed_generator import _SEED_MASK, SeedGenerator

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor
    from pykeras.random.seed_generator import SeedLike

_ZERO_STATE = np.zeros(2, np.float32)


def active_tracer(tensors: Iterable[Any] = ()) -> Any:
    """The graph being traced: that of a traced tensor among `tensors`, else
    the model trace in progress (random ops with only a shape and a seed
    have no tensor input to find it by), else None."""
    for t in tensors:
        if isinstance(t, tracing.GraphTensor):
            return t.tracer
    # The trace stack of `tracing.active_tracer`; read-only here.
    return tracing._ACTIVE[-1] if tracing._ACTIVE else None


def is_symbolic(tensors: Iterable[Any]) -> bool:
    return any(isinstance(t, KerasTensor) for t in tensors)


def shapes_only() -> bool:
    return symbolic_scope.active()


def seed_inputs(op: str, seed: SeedLike, tensors: Sequence[Any] = ()) -> tuple[Any, dict[str, Any]]:
    """The primitive's seed input and seed attributes for `seed`.

    - A `SeedGenerator`: eagerly its state, which then advances; in a traced
      graph its state variable, advanced after each step (draw k of a step
      uses `[seed, counter + k]`, as Keras's k-th `next()` would).
    - An int: always the same draw, as in Keras.
    - None: a seed from the global stream (`set_random_seed` makes it
      repeat); in a graph the step seed is mixed in, so each step differs.

    Returns:
        `(seed input, {"seed": int, "step": bool})`.
    """
    tracer = active_tracer(tensors)
    symbolic = tracer is None and is_symbolic(tensors)
    if isinstance(seed, SeedGenerator):
        attrs = {"seed": seed.seed_attr, "step": False}
        if tracer is not None:
            k = seed.traced_draw(tracer)
            state = tracer.variable_tensor(seed.state)
            drawn = state if k == 0 else run("add", [state, np.array([0, k], np.float32)])
            # Updates apply in order after the step: the last one (k + 1 draws) wins.
            tracer.add_update(seed.state, run("add", [state, np.array([0, k + 1], np.float32)]))
            return drawn, attrs
        if symbolic and shapes_only():
            return seed.state.numpy(), attrs
        # A recorded op layer keeps this state; the step seed then varies it per step.
        return seed.next(), {**attrs, "step": symbolic}
    if seed is None:
        return _ZERO_STATE, {"seed": _stream.next_seed(), "step": tracer is not None or symbolic}
    if isinstance(seed, int):
        return _ZERO_STATE, {"seed": int(seed) & _SEED_MASK, "step": False}
    raise InvalidArgumentError(
        f"Op '{op}': Argument `seed` must be either an integer or an instance of "
        f"`SeedGenerator`. Received: seed={seed!r} (of type {type(seed)})"
    )


def shape_arg(op: str, shape: Any) -> tuple[Any, ...]:
    """`shape` as a tuple of ints, None where a size is known at run time only."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise InvalidArgumentError(
            f"Op '{op}': shape must be an int or a sequence of ints. Received: shape={shape!r}"
        ) from None
    out = []
    for d in dims:
        if d is None or is_size_tensor(d):
            # A size known at run time only: None, or a scalar tensor from
            # `ops.shape(x)` (`normal((batch, dim))` in a sampling layer).
            out.append(d)
            continue
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ShapeError(
                f"Op '{op}': shape sizes must be ints >= 0 (or None for the batch). "
                f"Received: shape={shape!r}"
            )
        out.append(int(d))
    return tuple(out)


def batch_tensor(op: str, tracer: Any, dims: Sequence[Any]) -> GraphTensor:
    """A tensor of `tracer`'s graph whose first size is the batch: traced
    inputs have an unknown batch only, so the unknown sizes of a traced
    shape (`ops.shape(x)`) are the batch size."""
    for node in range(len(tracer.graph)):
        spec = tracer.graph.spec(node)
        if spec is not None and spec[0] and spec[0][0] is None:
            return GraphTensor(tracer, node, spec[0])
    raise ShapeError(
        f"Op '{op}': shape {dims} has unknown sizes and the traced graph has no tensor with "
        "an unknown batch size to take them from."
    )


def draw(
    op: str,
    primitive: str,
    shape: Any,
    seed: SeedLike,
    like: Any = None,
    core_dtype: str = "float32",
    **attrs: Any,
) -> Tensor:
    """A shaped draw of `primitive` (`like`: a tensor whose first size is the
    batch, for unknown sizes). Eagerly a float32 (int64 for randint) array;
    else a symbolic or traced tensor.

    A draw whose first size is known only at run time (None, or a size
    tensor from `ops.shape(x)[0]`) has the batch as its leading axis: it is
    `batch_major`, so in a compiled step each sample's numbers depend on its
    place in the step's global batch, not on the rows this process holds
    (a data-parallel worker draws what one process draws for it).
    """
    dims = shape_arg(op, shape)
    if attrs.get("dtype") == "float64":
        core_dtype = "float64"
    sized = [d for d in dims if is_size_tensor(d)]
    tensors = [] if like is None else [like]
    tracer = active_tracer(tensors + sized)
    if tracer is None and (shapes_only() or is_symbolic(sized)):
        if sized and not shapes_only():
            raise ShapeError(
                f"Op '{op}' takes size tensors inside a layer's call or a traced model only. "
                f"Received: shape={shape!r}"
            )
        return KerasTensor(tuple(None if is_size_tensor(d) else d for d in dims), core_dtype)
    if sized:
        return _sized_draw(op, primitive, dims, seed, tracer, core_dtype, attrs)
    unknown = any(d is None for d in dims)
    if tracer is None and unknown and not is_symbolic(tensors):
        raise ShapeError(
            f"Op '{op}' needs a fully known shape when it runs eagerly. Received: shape={shape!r}"
        )
    inputs = []
    if unknown:
        inputs = [like if like is not None else batch_tensor(op, tracer, dims)]
    state, seed_attrs = seed_inputs(op, seed, tensors)
    sizes = [-1 if d is None else d for d in dims]
    if dims and dims[0] is None:
        attrs["batch_major"] = True
    return call(primitive, [state, *inputs], tracer, shape=sizes, **seed_attrs, **attrs)


def _sized_draw(
    op: str,
    primitive: str,
    dims: Sequence[Any],
    seed: SeedLike,
    tracer: Any,
    core_dtype: str,
    attrs: dict[str, Any],
) -> Tensor:
    """A draw whose shape holds scalar size tensors: drawn as one row of
    the total size (a `like` tensor of that length gives it), then reshaped
    (batch-major when the first size is a size tensor: see `draw`)."""
    if any(d is None for d in dims):
        raise ShapeError(
            f"Op '{op}': shape holds both None and size tensors; give every unknown size as a "
            f"tensor (`ops.shape(x)[0]`). Received: shape={dims}"
        )
    total = 1
    for d in dims:
        total = total * (run("cast", [d], dtype="float32") if _dynamic.is_size_tensor(d) else d)
    like = _dynamic.broadcast(op, np.float32(0.0), [total])
    state, seed_attrs = seed_inputs(op, seed, [like])
    if is_size_tensor(dims[0]):
        attrs = {**attrs, "batch_major": True}
    flat = call(primitive, [state, like], tracer, shape=[-1], **seed_attrs, **attrs)
    if core_dtype == "int64":
        flat = run("cast", [flat], dtype="float32")
    out = _dynamic.reshape(flat, list(dims))
    return run("cast", [out], dtype="int64") if core_dtype == "int64" else out


def call(primitive: str, inputs: Sequence[Any], tracer: Any, **attrs: Any) -> Tensor:
    """Runs `primitive`, as a node of `tracer`'s graph when one is being
    traced even if no input is a traced tensor (a draw from a constant seed
    must stay a node, or an unseeded draw would freeze into a constant)."""
    if tracer is not None:
        return tracer.op(primitive, inputs, (), attrs)
    return run(primitive, inputs, **attrs)


def numpy_rng(op: str, seed: SeedLike) -> np.random.Generator:
    """An eager NumPy Generator seeded from one draw of `seed` (the
    array-parameter paths of gamma, beta and binomial)."""
    state, attrs = seed_inputs(op, seed)
    words = [attrs["seed"], *np.asarray(state, np.float64).astype(np.int64).tolist()]
    return np.random.default_rng([w & _SEED_MASK for w in words])


def in_graph(tensors: Sequence[Any] = ()) -> bool:
    """Whether a call with these tensor inputs builds a graph or a symbolic tensor."""
    return active_tracer(tensors) is not None or shapes_only() or is_symbolic(tensors)


def out_dtype(op: str, dtype: DTypeLike, default: str, kind: str) -> np.dtype:
    """The NumPy dtype of an eager result. `kind`: "f" floats, "i" integers.
    As Keras on JAX (without x64), 64-bit requests give 32-bit results,
    except float64 under `set_floatx("float64")` (pykeras's x64: float
    draws are then float64 by default, as Keras's `dtype or floatx()`)."""
    wide = kind == "f" and config.floatx() == "float64"
    if dtype is None:
        return np.dtype("float64" if wide else default)
    name = getattr(dtype, "name", dtype)
    try:
        resolved = np.dtype(str(name))
    except TypeError:
        resolved = None
    ok = resolved is not None and (resolved.kind == "f" if kind == "f" else resolved.kind in "iu")
    if resolved is None or not ok:
        want = "a floating point" if kind == "f" else "an integer"
        raise InvalidArgumentError(
            f"`keras.random.{op}` requires {want} `dtype`. Received: dtype={dtype!r}"
        )
    if wide and resolved.name == "float64":
        return resolved
    return {"float64": np.dtype("float32"), "int64": np.dtype("int32")}.get(resolved.name, resolved)


def draw_dtype(dtype: np.dtype) -> dict[str, str]:
    """The float draws' `dtype` attribute for a result of `dtype`: float64
    results are drawn in float64 (not float32 draws widened)."""
    return {"dtype": "float64"} if dtype == np.float64 else {}


def finish(result: Tensor, dtype: np.dtype) -> Tensor:
    """Eager results take the requested dtype; symbolic ones stay the core's."""
    if isinstance(result, np.ndarray):
        return result.astype(dtype, copy=False)
    return result


def scalar(value: object) -> float | None:
    """`value` as a Python float if it is a number (or 0-d array), else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biuf":
        return float(value)
    return None


# `ops.image.elastic_transform` (ops sit below random) draws through these.
_image_sample.set_seed_support(SeedGenerator, numpy_rng)
