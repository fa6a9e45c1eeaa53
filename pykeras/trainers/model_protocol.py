"""What the trainer needs from the model it trains.

`Model` holds a `Trainer` (and a `CompileState`) instead of inheriting them;
the trainer, a layer below `models`, names the model by what it offers:
its state, the overridable step methods Keras users override (`train_step`,
`test_step`, `predict_step`, `compute_loss`, `compute_metrics`), and the
model's own knowledge of its inputs and outputs. `pykeras.models.Model`
satisfies this protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from pykeras.callbacks.history import History
    from pykeras.engine.executor import Executor
    from pykeras.optimizers.optimizer import Optimizer
    from pykeras.trainers.compile_state import CompileState

# Logs: metric names to values (floats, or arrays for a vector-valued metric).
Logs = dict[str, Any]
# (name, shape with None for the batch, dtype) of one flat model input.
InputSpec = tuple[str, tuple[Optional[int], ...], str]
Shape = tuple[Optional[int], ...]


class TrainedModel(Protocol):
    """The model side of the composition, as the trainer sees it."""

    run_eagerly: bool
    stop_training: bool
    built: bool
    history: History
    optimizer: Optimizer | None
    _compiled: CompileState | None

    @property
    def name(self) -> str: ...

    @property
    def trainable_weights(self) -> list[Any]: ...

    @property
    def trainable_variables(self) -> list[Any]: ...

    @property
    def weights(self) -> list[Any]: ...

    @property
    def losses(self) -> list[Any]: ...

    @property
    def metrics(self) -> list[Any]: ...

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    # -- the overridable step methods ------------------------------------------

    def train_step(self, data: Any) -> Any: ...

    def test_step(self, data: Any) -> Any: ...

    def predict_step(self, data: Any) -> Any: ...

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Any: ...

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> Any: ...

    def reset_metrics(self) -> None: ...

    def get_metrics_result(self) -> Logs: ...

    # -- what the model knows of its inputs, outputs and forward pass ----------

    def _overrides_step_hooks(self, training: bool) -> bool: ...
    def _overrides_predict_step(self) -> bool: ...

    def _call_with_training(self, inputs: Any, args: Any, kwargs: Any, training: Any) -> Any: ...

    def _maybe_build(self, inputs: Any) -> None: ...

    def _flatten_data(self, x: Any) -> tuple[Any, list[Any]]: ...

    def _input_dtypes(self, count: int) -> list[Any]: ...

    def _input_specs(self, flat_arrays: list[npt.NDArray[Any]]) -> list[InputSpec]: ...

    def _executor(
        self, x: Any, training: Any, predict_step: bool = False
    ) -> tuple[Executor, list[np.ndarray]]: ...

    def _output_names(self, count: int) -> list[str]: ...

    def _output_names_for_compile(self) -> list[str] | None: ...

    def _flat_output_shapes(
        self, structure: Any, specs: list[InputSpec], flat_x: list[npt.NDArray[Any]] | None = None
    ) -> list[Shape]: ...
