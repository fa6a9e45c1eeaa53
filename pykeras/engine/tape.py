"""`GradientTape`: gradients of eager computations, as `tf.GradientTape` gives them.

While a tape records, every op that touches a variable, a watched array or
a tensor the tape made runs at once in the Rust core's eager tape
(`_core.Tape`) and returns a `TapeTensor` (a value that also knows how it
was made). `tape.gradient(loss, variables)` then runs the backward rules of
the recorded ops. Inside a traced custom `train_step` the same tape records
nothing: its gradients are computed by the compiled training loop.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import _core
from pykeras._convert import to_float, to_float32, to_index
from pykeras.engine import random_stream, tracing
from pykeras.engine.step_trace import recorder_of
from pykeras.engine.tracing import GraphTensor, Tracer
from pykeras.engine.tree import flatten, pack_like
from pykeras.engine.variable_base import VariableBase

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike


class TapeTensor(GraphTensor):
    """A value computed while a `GradientTape` records.

    It behaves as a numpy array (`numpy()`, `np.asarray`, `float()`,
    indexing, Python operators) and ops on it are recorded too.
    """

    def __init__(self, tracer: Any, node: int, value: Any) -> None:
        super().__init__(tracer, node, np.shape(value))
        self._value = value

    @property
    def dtype(self) -> str:
        return "int64" if self._value.dtype.kind in "iu" else str(self._value.dtype)

    def numpy(self) -> np.ndarray:
        """The value, as a numpy array."""
        return self._value

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        return self._value if dtype is None else self._value.astype(dtype)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def item(self) -> Any:
        return self._value.item()

    def __repr__(self) -> str:
        return f"<TapeTensor shape={self.shape}, value={np.array2string(self._value, threshold=6)}>"


class _TapeGraph:
    """What `tracer.graph` offers to code that inspects a trace."""

    def __init__(self, specs: dict[int, tuple[Any, str]]) -> None:
        self._specs = specs

    def spec(self, node: int) -> tuple[Any, str] | None:
        return self._specs.get(node)

    def __len__(self) -> int:
        return 0


class TapeTracer:
    """The recording of one (outermost) `GradientTape`: runs ops now, keeps them."""

    training = False

    def __init__(self, seed: int = 0) -> None:
        self.tape = _core.Tape(training=False, seed=seed)
        self._specs: dict[int, tuple[Any, str]] = {}
        self.graph = _TapeGraph(self._specs)
        self._inputs: dict[int, list[int]] = {}
        self._variable_leaves: dict[int, tuple[int, Any]] = {}
        self._watched: dict[int, tuple[int, Any]] = {}
        self.updates: list[Any] = []
        self.losses: list[Any] = []
        self.step = None
        # The leaves holding gradients a nested tape returned: the outer tape
        # cannot differentiate through them (no second-order gradients).
        self._second_order_leaves: set[int] = set()

    # ----------------------------------------------------------- leaves

    def watches(self, x: object) -> bool:
        return id(x) in self._watched and self._watched[id(x)][1] is x

    def watch(self, x: TensorLike) -> None:
        if isinstance(x, VariableBase):
            self.variable_node(x)
        elif isinstance(x, GraphTensor) and x.tracer is self:
            return
        elif x is not None and not self.watches(x):
            self._watched[id(x)] = (self.tape.leaf(to_float(x, "a watched tensor")), x)

    def variable_node(self, variable: Any) -> int:
        """The leaf holding `variable`'s value (recorded at its first use)."""
        entry = self._variable_leaves.get(id(variable))
        if entry is None:
            entry = (self.tape.leaf(variable.numpy()), variable)
            self._variable_leaves[id(variable)] = entry
            self._specs[entry[0]] = (variable.shape, "float32")
        return entry[0]

    def node_for(self, x: Any, index: bool = False, what: str = "input") -> int:
        if isinstance(x, GraphTensor) and x.tracer is self:
            return x.node
        if isinstance(x, VariableBase):
            return self.variable_node(x)
        if self.watches(x):
            return self._watched[id(x)][0]
        array = to_index(np.asarray(x), what) if index else to_float(x, what)
        return self.tape.leaf(np.ascontiguousarray(array).reshape(np.shape(array)))

    def inner_gradient(self, gradient: np.ndarray) -> TapeTensor:
        """A nested tape's gradient as a leaf of this recording."""
        node = self.tape.leaf(np.ascontiguousarray(gradient, dtype=np.float32))
        self._second_order_leaves.add(node)
        return self._tensor(node)

    def as_constant_in_trace(self, x: TensorLike) -> None:
        """A tape tensor used in a graph trace is a constant there."""

    # ----------------------------------------------------------- ops

    def op(
        self, name: str, inputs: Sequence[Any], index_inputs: Container[int], attrs: dict[str, Any]
    ) -> TapeTensor:
        nodes = [
            self.node_for(x, i in index_inputs, f"{name} input {i}") for i, x in enumerate(inputs)
        ]
        if any(type(x) is float for x in inputs) and any(self._is_f64(x) for x in inputs):
            # A Python float is weak: beside float64 it is taken in float64,
            # as the eager op takes it (`_dispatch.run`).
            nodes = [
                self.tape.leaf(np.asarray(x, np.float64))
                if type(x) is float and i not in index_inputs
                else n
                for i, (x, n) in enumerate(zip(inputs, nodes))
            ]
        node = self.tape.op(name, nodes, attrs)
        self._inputs[node] = nodes
        return self._tensor(node)

    def _is_f64(self, x: Any) -> bool:
        if isinstance(x, GraphTensor) and x.tracer is self:
            return self._specs.get(x.node, ((), ""))[1] == "float64"
        if self.watches(x):
            x = self._watched[id(x)][1]
        return isinstance(x, (np.ndarray, np.generic)) and x.dtype == np.float64

    def custom_vjp(
        self,
        grad_graph: Any,
        inputs: Sequence[int],
        grad_inputs: Sequence[int],
        grad_outputs: Sequence[int | None],
    ) -> TapeTensor:
        """Runs and records a `custom_gradient` node (`engine.custom_gradient`)."""
        node = self.tape.custom_vjp(grad_graph, inputs, grad_inputs, grad_outputs)
        self._inputs[node] = list(inputs)
        return self._tensor(node)

    def _tensor(self, node: int) -> Any:
        value = np.asarray(self.tape.value(node))
        kind = (
            "int64"
            if value.dtype.kind in "iu"
            else "float64"
            if value.dtype == np.float64
            else "float32"
        )
        self._specs[node] = (tuple(value.shape), kind)
        return TapeTensor(self, node, value)

    def variable_tensor(self, variable: Any) -> TapeTensor:
        return self._tensor(self.variable_node(variable))

    def read(self, variable: Any) -> TapeTensor:
        return self.variable_tensor(variable)

    def add_update(self, variable: Any, value: Any) -> None:
        """State updates (moving averages, seed counters) apply at once, as eagerly."""
        variable.assign(np.asarray(value))

    def assign(self, variable: Any, value: Any) -> None:
        variable.assign(np.asarray(value))

    # ----------------------------------------------------------- gradients

    def _reaches(self, target: int, nodes: Any) -> set[int]:
        """Which of `nodes` `target` depends on through recorded ops."""
        wanted, seen, stack = set(nodes), set(), [target]
        found = set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in wanted:
                found.add(n)
            stack.extend(self._inputs.get(n, ()))
        return found

    def gradients(
        self, target: int, nodes: Sequence[int], seed: int | None = None
    ) -> list[np.ndarray | None]:
        """Gradients of `target` for `nodes`; None where it does not depend on one."""
        if self._second_order_leaves and self._reaches(target, self._second_order_leaves):
            raise NotImplementedError(
                "GradientTape: this target depends on gradients an inner tape computed, "
                "and pykeras cannot differentiate a gradient (second-order gradients, such "
                "as a gradient penalty or a Hessian, are not supported yet). Compute the "
                "penalty outside the outer tape, or differentiate it numerically."
            )
        connected = self._reaches(target, nodes)
        wrt = [n for n in nodes if n in connected]
        if not wrt:
            return [None] * len(nodes)
        args = (
            (target, wrt) if seed is None else (target, wrt, to_float32(seed, "output_gradients"))
        )
        grads = dict(zip(wrt, self.tape.gradient(*args)))
        return [grads.get(n) for n in nodes]


def recording() -> TapeTracer | None:
    """The tape recording on this thread, if any."""
    top = tracing._ACTIVE[-1] if tracing._ACTIVE else None
    return top if isinstance(top, TapeTracer) else None


class GradientTape:
    """Records operations for automatic differentiation, as `tf.GradientTape`.

    Args:
        persistent: whether `gradient` may be called more than once.
        watch_accessed_variables: accepted for compatibility; variables are
            always watched when used.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> x, y = np.random.rand(8, 4), np.random.rand(8, 1)
    >>> loss_fn = keras.losses.MeanSquaredError()
    >>> optimizer = keras.optimizers.SGD()
    >>> with keras.GradientTape() as tape:
    ...     logits = model(x, training=True)
    ...     loss = loss_fn(y, logits)
    >>> grads = tape.gradient(loss, model.trainable_weights)
    >>> _ = optimizer.apply_gradients(zip(grads, model.trainable_weights))
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = watch_accessed_variables
        self._recording: TapeTracer | None = None
        self._trace: Tracer | None = None
        self._pushed = False
        # Whether this tape made the recording (the outermost tape), which
        # stays true after its block ends and `gradient` is called.
        self._owns_recording = False
        self._used = False

    def __enter__(self) -> GradientTape:
        top = tracing._ACTIVE[-1] if tracing._ACTIVE else None
        if isinstance(top, Tracer):
            # Inside a traced step: the compiled loop differentiates.
            self._trace = top
        elif isinstance(top, TapeTracer):
            # Nested tapes share the recording of the outermost one.
            self._recording = top
        else:
            self._recording = TapeTracer(seed=random_stream.next_seed())
            tracing._ACTIVE.append(self._recording)
            self._pushed = True
            self._owns_recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pushed:
            for i in range(len(tracing._ACTIVE) - 1, -1, -1):
                if tracing._ACTIVE[i] is self._recording:
                    del tracing._ACTIVE[i]
                    break
            self._pushed = False

    def watch(self, tensor: Any) -> None:
        """Makes gradients with respect to `tensor` (arrays, tensors, variables) available."""
        if self._recording is None:
            return
        for leaf in flatten(tensor):
            self._recording.watch(leaf)

    def watched_variables(self) -> tuple[Any, ...]:
        """The variables the tape has seen."""
        if self._recording is None:
            return ()
        return tuple(v for _, v in self._recording._variable_leaves.values())

    def reset(self) -> None:
        """Forgets everything recorded so far."""
        if self._recording is not None and self._pushed:
            self.__exit__()
            self.__enter__()

    def stop_recording(self) -> _Paused:
        """A context in which ops are not recorded."""
        return _Paused(self._recording)

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: str = "none",
    ) -> Any:
        """The gradients of `target` with respect to `sources`.

        Args:
            target: a tensor (or a list of them, whose gradients add up).
            sources: a variable or tensor, or a list or dict of them.
            output_gradients: the gradient of `target` to start from (default ones).
            unconnected_gradients: "none" (None for sources `target` does not
                depend on) or "zero".

        Returns:
            The gradients in the structure of `sources`: numpy arrays, or
            None for a source the target does not depend on.

        Raises:
            RuntimeError: on a second call of a non-persistent tape.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians). Create the tape with `GradientTape(persistent=True)` "
                "to call `gradient()` more than once."
            )
        self._used = True
        if self._trace is not None:
            grads = recorder_of(self._trace).gradients(target, sources)
            return pack_like(sources, grads)
        flat_sources = flatten(sources)
        if self._recording is None:
            grads = [None] * len(flat_sources)
        else:
            grads = self._eager_gradients(target, flat_sources, output_gradients)
        if unconnected_gradients == "zero":
            grads = [
                np.zeros(np.shape(s), np.float32) if g is None else g
                for g, s in zip(grads, flat_sources)
            ]
        return pack_like(sources, grads)

    def _eager_gradients(self, target: Any, flat_sources: Any, output_gradients: Any) -> Any:
        rec = self._recording
        assert rec is not None
        nodes = []
        for s in flat_sources:
            if isinstance(s, VariableBase):
                entry = rec._variable_leaves.get(id(s))
                nodes.append(None if entry is None else entry[0])
            elif isinstance(s, GraphTensor) and s.tracer is rec:
                nodes.append(s.node)
            elif rec.watches(s):
                nodes.append(rec._watched[id(s)][0])
            else:
                nodes.append(None)
        known = [n for n in nodes if n is not None]
        totals: dict[int, Any] = {}
        targets = flatten(target)
        seeds = flatten(output_gradients) if output_gradients is not None else [None] * len(targets)
        for t, seed in zip(targets, seeds):
            if not (isinstance(t, GraphTensor) and t.tracer is rec) or not known:
                continue
            for n, g in zip(known, rec.gradients(t.node, known, seed)):
                if g is not None:
                    totals[n] = g if n not in totals else totals[n] + g
        grads = [None if n is None else totals.get(n) for n in nodes]
        if self._owns_recording:
            return grads
        # A nested tape: the outer one still records, so its gradients are
        # tensors of that recording (ops on them are recorded too), marked
        # as what the outer tape cannot differentiate through.
        return [None if g is None else rec.inner_gradient(g) for g in grads]


class _Paused:
    def __init__(self, recording: TapeTracer | None) -> None:
        self.recording = recording
        self.index: int | None = None

    def __enter__(self) -> None:
        if self.recording is not None and self.recording in tracing._ACTIVE:
            self.index = tracing._ACTIVE.index(self.recording)
            tracing._ACTIVE.pop(self.index)

    def __exit__(self, *exc: Any) -> None:
        if self.index is not None:
            tracing._ACTIVE.insert(self.index, self.recording)
