"""Type stubs for `pykeras._core`, the Rust extension module (rust/python/).

Node ids are ints; shapes use None for a size known only at run time; element
types are the core's names ("float32", "int64"). Arrays are NumPy arrays:
float32, or int64 for index inputs.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[Any]
_F32 = npt.NDArray[np.float32]
# float32 or float64: a variable's value, an optimizer's gradient or state.
_FLOAT = npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Shape = list[int | None]
_Attrs = Mapping[str, Any]

__all__ = [
    "op",
    "op_grad",
    "set_num_threads",
    "get_num_threads",
    "op_names",
    "op_output",
    "op_specs",
    "get_isa",
    "set_isa",
    "available_isas",
    "bf16_path",
    "cpu_features",
    "Graph",
    "NodeInfo",
    "Tape",
    "Variable",
    "Optimizer",
    "OptimizerConfig",
    "SubOptimizer",
    "StepPhase",
    "StepResults",
    "TrainStep",
    "ShapeError",
    "DTypeError",
    "OutOfRangeError",
    "InvalidArgumentError",
    "GraphError",
]

class ShapeError(ValueError): ...
class DTypeError(TypeError): ...
class OutOfRangeError(ValueError): ...
class InvalidArgumentError(ValueError): ...
class GraphError(ValueError): ...

def op(
    name: str,
    inputs: Sequence[_Array],
    attrs: _Attrs | None = None,
    training: bool = False,
    seed: int = 0,
) -> _Array:
    """Runs primitive op `name` eagerly on `inputs`."""

def op_grad(
    name: str,
    inputs: Sequence[_Array],
    grad: _Array,
    attrs: _Attrs | None = None,
    training: bool = False,
    seed: int = 0,
) -> list[_Array | None]:
    """The gradients of op `name` for each input, given the output's gradient
    (None for an input without one)."""

def op_output(
    name: str, specs: Sequence[tuple[Sequence[int | None], str]], attrs: _Attrs | None = None
) -> tuple[_Shape, str]:
    """The output (shape, dtype) of op `name` for inputs of these specs, by the
    op's rule (no kernel runs)."""

def op_names() -> list[str]:
    """The names of every primitive op."""

def op_specs() -> list[dict[str, Any]]:
    """Every op's declaration: name, doc, inputs, attrs with defaults, dtypes,
    differentiable, example."""

def get_isa() -> str:
    """The instruction-set path kernels run on: "baseline", "avx2" or "avx512"."""

def set_isa(name: str) -> None:
    """Sets the instruction-set path by name; a path the CPU lacks is an error."""

def available_isas() -> list[str]:
    """The paths this CPU can run, lowest first."""

def bf16_path() -> str:
    """The bf16 GEMM kernel of the path in force: "amx", "native" or "emulated"."""

def cpu_features() -> list[tuple[str, bool]]:
    """`(feature, present)` for each CPU feature that bears on the kernels."""

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def _before_fork() -> None: ...
def _after_fork_in_parent() -> None: ...
def _after_fork_in_child() -> None: ...

@final
class Variable:
    """A float32 or float64 tensor in the core's variable store (its dtype
    is the value's it was created with; `assign` casts to it)."""

    def __new__(cls, value: _FLOAT) -> Variable: ...
    @property
    def id(self) -> int: ...
    @property
    def shape(self) -> list[int]: ...
    @property
    def dtype(self) -> str: ...
    def numpy(self) -> _FLOAT: ...
    def assign(self, value: _FLOAT, name: str = "variable") -> None: ...

@final
class NodeInfo:
    """One node of a `Graph`, read back by `Graph.node(id)` (the ONNX exporter)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str:
        """One of "input", "variable", "constant" or "op"."""
    @property
    def name(self) -> str:
        """The input's or variable's name, the op's name ("" for a constant)."""
    @property
    def inputs(self) -> list[int]:
        """The node ids an op reads, in order (empty for other kinds)."""
    @property
    def attrs(self) -> dict[str, Any]:
        """An op's attributes as given when it was added."""
    @property
    def shape(self) -> _Shape | None: ...
    @property
    def dtype(self) -> str | None: ...
    @property
    def trainable(self) -> bool: ...
    @property
    def recompute(self) -> bool:
        """Whether an op is rematerialized (`keras.remat`); False for other kinds."""
    @property
    def value(self) -> _Array | None:
        """A constant's value or a variable's current value (copies)."""

@final
class Graph:
    """A dataflow graph of primitive ops, built node by node."""

    def __new__(cls) -> Graph: ...
    def __len__(self) -> int: ...
    def input(
        self, name: str = "input", shape: Sequence[int | None] | None = None, dtype: str = "float32"
    ) -> int: ...
    def spec(self, id: int) -> tuple[_Shape, str] | None: ...
    def variable(
        self, value: Variable | _F32, trainable: bool = True, name: str = "variable"
    ) -> int: ...
    def constant(self, value: _Array) -> int: ...
    def op(self, name: str, inputs: Sequence[int], attrs: _Attrs | None = None) -> int: ...
    def custom_vjp(
        self,
        grad_graph: Graph,
        inputs: Sequence[int],
        grad_inputs: Sequence[int],
        grad_outputs: Sequence[int | None],
    ) -> int:
        """A `custom_gradient` node: `inputs[0]`'s value, differentiated by `grad_graph`."""
    def mark_recompute(self, start: int, stop: int) -> int:
        """Marks op nodes `start..stop` for rematerialization; returns the count."""
    def node(self, id: int) -> NodeInfo:
        """What node `id` is (kind, inputs, attributes, spec, value)."""
    def get_variable(self, id: int) -> _F32: ...
    def set_variable(self, id: int, value: _F32) -> None: ...
    def variables(self, trainable_only: bool = False) -> list[int]: ...
    def run(
        self,
        feeds: Mapping[int, _Array],
        outputs: Sequence[int],
        training: bool = False,
        seed: int = 0,
    ) -> list[_Array]: ...
    def gradients(
        self,
        feeds: Mapping[int, _Array],
        target: int,
        wrt: Sequence[int],
        grad: _Array | None = None,
        training: bool = False,
        seed: int = 0,
    ) -> tuple[_Array, list[_Array]]: ...

@final
class Tape:
    """Eager ops recorded for a reverse pass."""

    def __new__(cls, training: bool = False, seed: int = 0) -> Tape: ...
    def leaf(self, value: _Array) -> int: ...
    def op(self, name: str, inputs: Sequence[int], attrs: _Attrs | None = None) -> int: ...
    def custom_vjp(
        self,
        grad_graph: Graph,
        inputs: Sequence[int],
        grad_inputs: Sequence[int],
        grad_outputs: Sequence[int | None],
    ) -> int: ...
    def value(self, id: int) -> _Array: ...
    def gradient(
        self, target: int, wrt: Sequence[int], grad: _Array | None = None
    ) -> list[_Array]: ...

@final
class OptimizerConfig:
    """An optimizer's hyper-parameters, typed (None: the rule's default).
    A field of the wrong type raises `TypeError` naming it."""

    def __new__(
        cls,
        kind: str,
        *,
        learning_rate: float | None = None,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool | None = None,
        ema_momentum: float | None = None,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        beta_1: float | None = None,
        beta_2: float | None = None,
        epsilon: float | None = None,
        amsgrad: bool | None = None,
        momentum: float | None = None,
        nesterov: bool | None = None,
        rho: float | None = None,
        centered: bool | None = None,
        initial_accumulator_value: float | None = None,
        learning_rate_power: float | None = None,
        l1_regularization_strength: float | None = None,
        l2_regularization_strength: float | None = None,
        l2_shrinkage_regularization_strength: float | None = None,
        beta: float | None = None,
        beta_2_decay: float | None = None,
        epsilon_1: float | None = None,
        epsilon_2: float | None = None,
        clip_threshold: float | None = None,
        relative_step: bool | None = None,
        adam_beta_1: float | None = None,
        adam_beta_2: float | None = None,
        adam_weight_decay: float | None = None,
        adam_lr_ratio: float | None = None,
        muon_a: float | None = None,
        muon_b: float | None = None,
        muon_c: float | None = None,
        ns_steps: int | None = None,
        rms_rate: float | None = None,
        warmup_steps: int | None = None,
        schedule: tuple[str, Mapping[str, Any]] | None = None,
    ) -> OptimizerConfig: ...
    @property
    def kind(self) -> str: ...
    @property
    def learning_rate(self) -> float | None: ...
    @property
    def weight_decay(self) -> float | None: ...
    @property
    def clipnorm(self) -> float | None: ...
    @property
    def clipvalue(self) -> float | None: ...
    @property
    def global_clipnorm(self) -> float | None: ...
    @property
    def use_ema(self) -> bool | None: ...
    @property
    def ema_momentum(self) -> float | None: ...
    @property
    def ema_overwrite_frequency(self) -> int | None: ...
    @property
    def loss_scale_factor(self) -> float | None: ...
    @property
    def gradient_accumulation_steps(self) -> int | None: ...
    @property
    def beta_1(self) -> float | None: ...
    @property
    def beta_2(self) -> float | None: ...
    @property
    def epsilon(self) -> float | None: ...
    @property
    def amsgrad(self) -> bool | None: ...
    @property
    def momentum(self) -> float | None: ...
    @property
    def nesterov(self) -> bool | None: ...
    @property
    def rho(self) -> float | None: ...
    @property
    def centered(self) -> bool | None: ...
    @property
    def initial_accumulator_value(self) -> float | None: ...
    @property
    def learning_rate_power(self) -> float | None: ...
    @property
    def l1_regularization_strength(self) -> float | None: ...
    @property
    def l2_regularization_strength(self) -> float | None: ...
    @property
    def l2_shrinkage_regularization_strength(self) -> float | None: ...
    @property
    def beta(self) -> float | None: ...
    @property
    def beta_2_decay(self) -> float | None: ...
    @property
    def epsilon_1(self) -> float | None: ...
    @property
    def epsilon_2(self) -> float | None: ...
    @property
    def clip_threshold(self) -> float | None: ...
    @property
    def relative_step(self) -> bool | None: ...
    @property
    def adam_beta_1(self) -> float | None: ...
    @property
    def adam_beta_2(self) -> float | None: ...
    @property
    def adam_weight_decay(self) -> float | None: ...
    @property
    def adam_lr_ratio(self) -> float | None: ...
    @property
    def muon_a(self) -> float | None: ...
    @property
    def muon_b(self) -> float | None: ...
    @property
    def muon_c(self) -> float | None: ...
    @property
    def ns_steps(self) -> int | None: ...
    @property
    def rms_rate(self) -> float | None: ...
    @property
    def warmup_steps(self) -> int | None: ...
    @property
    def schedule(self) -> str | None: ...

@final
class Optimizer:
    """An optimizer's update rule and slot variables, run in Rust."""

    def __new__(cls, config: OptimizerConfig) -> Optimizer: ...
    iterations: int
    learning_rate: float
    @property
    def learning_rate_f64(self) -> float: ...
    @property
    def has_schedule(self) -> bool: ...
    def build(self, var_ids: Sequence[int]) -> None: ...
    def apply(self, var_ids: Sequence[int], grads: Sequence[_FLOAT]) -> None: ...
    def set_schedule(self, class_name: str, config: Mapping[str, Any]) -> None: ...
    def exclude_from_weight_decay(self, var_ids: Sequence[int]) -> None: ...
    def variables(self, var_ids: Sequence[int]) -> list[tuple[str, _FLOAT]]: ...
    def slot_groups(self) -> list[list[str]]: ...
    def set_variables(self, var_ids: Sequence[int], values: Sequence[_FLOAT]) -> None: ...
    def set_variable_groups(self, var_ids: Sequence[int], groups: Sequence[int]) -> None: ...
    loss_scale_factor: float | None
    def add_child(self, child: Optimizer) -> int: ...
    def child(self, k: int) -> SubOptimizer: ...
    def assign_to_child(self, var_ids: Sequence[int], k: int) -> None: ...
    @staticmethod
    def schedule_value(class_name: str, config: Mapping[str, Any], step: float) -> float: ...

@final
class SubOptimizer:
    """Sub-optimizer `index` of a MultiOptimizer's native optimizer, whose
    state lives in the parent; `Optimizer`'s methods, applied to it."""

    @property
    def index(self) -> int: ...
    def replace(self, new: Optimizer) -> None: ...
    iterations: int
    learning_rate: float
    @property
    def learning_rate_f64(self) -> float: ...
    @property
    def has_schedule(self) -> bool: ...
    @property
    def loss_scale_factor(self) -> float | None: ...
    def build(self, var_ids: Sequence[int]) -> None: ...
    def apply(self, var_ids: Sequence[int], grads: Sequence[_FLOAT]) -> None: ...
    def set_schedule(self, class_name: str, config: Mapping[str, Any]) -> None: ...
    def exclude_from_weight_decay(self, var_ids: Sequence[int]) -> None: ...
    def variables(self, var_ids: Sequence[int]) -> list[tuple[str, _FLOAT]]: ...
    def slot_groups(self) -> list[list[str]]: ...
    def set_variables(self, var_ids: Sequence[int], values: Sequence[_FLOAT]) -> None: ...
    def set_variable_groups(self, var_ids: Sequence[int], groups: Sequence[int]) -> None: ...

@final
class StepResults:
    """What one `TrainStep.train` / `test` call ran: float64 arrays with one
    row per step, the report nodes grouped as the step was built."""

    def __len__(self) -> int: ...
    @property
    def batch_sizes(self) -> npt.NDArray[np.float64]: ...
    @property
    def loss(self) -> npt.NDArray[np.float64]: ...
    @property
    def output_losses(self) -> list[npt.NDArray[np.float64]]: ...
    @property
    def metric_states(self) -> list[list[npt.NDArray[np.float64]]]: ...
    @property
    def logged(self) -> list[npt.NDArray[np.float64]]: ...

@final
@final
class StepPhase:
    """One update of a training step: gradients of `loss` for `trainable`
    nodes, applied by the step's optimizer number `optimizer`, then the
    `constraints` (variable node, projected value node) assigned; `end` is
    the first node traced after the update (None: nothing after it)."""

    def __new__(
        cls,
        loss: int,
        trainable: Sequence[int],
        *,
        optimizer: int = ...,
        constraints: Sequence[tuple[int, int]] = ...,
        end: int | None = ...,
    ) -> StepPhase: ...
    @property
    def loss(self) -> int: ...
    @property
    def trainable(self) -> list[int]: ...
    @property
    def optimizer(self) -> int: ...
    @property
    def constraints(self) -> list[tuple[int, int]]: ...
    @property
    def end(self) -> int | None: ...

@final
class TrainStep:
    """A compiled training and test step over a graph."""

    def __new__(
        cls,
        graph: Graph,
        inputs: Sequence[int],
        loss: int,
        phases: Sequence[StepPhase],
        updates: Sequence[tuple[int, int]],
        *,
        output_losses: Sequence[int] = ...,
        metric_states: Sequence[Sequence[int]] = ...,
        logged: Sequence[int] = ...,
    ) -> TrainStep: ...
    def train(
        self,
        data: Sequence[_Array],
        order: npt.NDArray[np.int64],
        batch_size: int,
        first_step: int,
        steps: int,
        seed: int,
        global_step: int,
        stop_on_nan: bool,
        optimizers: Sequence[Optimizer],
        gradient_hook: Callable[[int, npt.NDArray[np.float32]], npt.NDArray[np.float32]]
        | None = ...,
        sample_offset: int = ...,
    ) -> StepResults:
        """`sample_offset`: this process's first row in each step's global batch
        (a data-parallel worker's), so dropout masks follow the samples."""
    def test(
        self, data: Sequence[_Array], batch_size: int, first_step: int, steps: int
    ) -> StepResults: ...
