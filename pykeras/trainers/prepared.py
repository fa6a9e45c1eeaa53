"""The data of one fit/evaluate call, checked and converted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import pack_like
from pykeras.trainers import data as data_utils
from pykeras.trainers.compile_config import LossEntry

if TYPE_CHECKING:
    from pykeras.trainers.compile_state import CompileState
    from pykeras.trainers.model_protocol import InputSpec, Shape, TrainedModel

Array = npt.NDArray[Any]


class PreparedData:
    """Checked, converted data for one fit/evaluate call.

    Attributes:
        structure: how the flat inputs pack into what the model's `call()` takes.
        x: the flat inputs, contiguous arrays.
        specs: `(name, shape, dtype)` of each flat input.
        output_shapes: the model's flat output shapes.
        names: the output names.
        losses: one `LossEntry` (or None) per output.
        targets: one target array (or None) per output.
        weights: one sample-weight array (or None) per output, or None.
        count: the number of samples.
    """

    def __init__(
        self,
        structure: Any,
        x: list[Array],
        specs: list[InputSpec],
        output_shapes: list[Shape],
        names: list[str],
        losses: list[LossEntry | None],
        targets: list[Array | None],
        weights: list[Array | None] | None,
        count: int,
    ) -> None:
        self.structure = structure
        self.x = x
        self.specs = specs
        self.output_shapes = output_shapes
        self.names = names
        self.losses = losses
        self.targets = targets
        self.weights = weights
        self.count = count

    def arrays(self) -> list[Array | None]:
        return list(self.x) + list(self.targets) + list(self.weights or [])

    def feeds(self) -> list[Array]:
        """The arrays a compiled step is fed: inputs, then the targets given,
        then (with sample weights) one weight array per target."""
        data: list[Array] = list(self.x) + [t for t in self.targets if t is not None]
        if self.weights is not None:
            data += [
                w if w is not None else np.ones(self.count, np.float32)
                for w, t in zip(self.weights, self.targets)
                if t is not None
            ]
        return data

    def with_arrays(self, arrays: list[Array | None]) -> PreparedData:
        nx, nt = len(self.x), len(self.targets)
        weights = arrays[nx + nt :] if self.weights is not None else None
        count = data_utils.sample_count(
            [a for a in arrays if a is not None], ["data"] * len(arrays)
        )
        return PreparedData(
            self.structure,
            [np.ascontiguousarray(a) for a in arrays[:nx]],
            self.specs,
            self.output_shapes,
            self.names,
            self.losses,
            [None if a is None else np.ascontiguousarray(a) for a in arrays[nx : nx + nt]],
            None
            if weights is None
            else [None if w is None else np.ascontiguousarray(w) for w in weights],
            count,
        )


def prepare(
    model: TrainedModel,
    compiled: CompileState,
    x: Any,
    y: Any,
    sample_weight: Any,
    class_weight: Any,
) -> PreparedData:
    """Checks and converts user data for `model` (building it if needed)."""
    if x is None:
        raise ValueError("fit/evaluate need input data `x`. Received: x=None")
    structure, flat_x = model._flatten_data(x)
    dtypes = model._input_dtypes(len(flat_x))
    flat_x = [
        np.ascontiguousarray(data_utils.convert_input(a, d, model.name))
        for a, d in zip(flat_x, dtypes)
    ]
    specs = model._input_specs(flat_x)
    if not model.built and model.run_eagerly:
        model(pack_like(structure, [a[:1] for a in flat_x]))  # builds op by op
    elif not model.built:
        model._maybe_build(pack_like(structure, [KerasTensor(s, d) for _, s, d in specs]))
    output_shapes = model._flat_output_shapes(structure, specs, flat_x)
    names = model._output_names(len(output_shapes))
    losses = compiled.loss_entries(names)
    flat_y = data_utils.flatten_targets(y, names)
    targets: list[Array | None] = [None] * len(names)
    if flat_y is not None:
        for i, (target, shape) in enumerate(zip(flat_y, output_shapes)):
            if target is None:
                continue
            entry = losses[i]
            if entry is not None:
                entry.resolve_alias(np.shape(target), shape)
            targets[i] = data_utils.prepare_target(target, entry, shape, names[i])
    weights: list[Array | None] | None = None
    if class_weight is not None:
        if len(names) > 1:
            raise ValueError(
                "class_weight is only supported for models with a single output; use "
                "sample_weight for several outputs."
            )
        if targets[0] is None or flat_y is None:
            raise ValueError("class_weight needs targets `y`.")
        weights = [data_utils.class_weight_to_sample_weight(flat_y[0], class_weight)]
    if sample_weight is not None:
        flat_sw = (
            sample_weight
            if isinstance(sample_weight, (list, tuple))
            else [sample_weight] * len(names)
        )
        if isinstance(sample_weight, dict):
            flat_sw = [sample_weight.get(n) for n in names]
        sw = [
            None
            if w is None
            else np.ascontiguousarray(np.asarray(w, np.float32).reshape(len(w), -1)[:, 0])
            for w in flat_sw
        ]
        # An output given no sample weights keeps its class weights.
        weights = (
            sw
            if weights is None
            else [b if a is None else a if b is None else a * b for a, b in zip(weights, sw)]
        )
    all_names = (
        [f"x[{i}]" for i in range(len(flat_x))]
        + [f"y[{n}]" for n in names]
        + ([f"sample_weight[{n}]" for n in names] if weights else [])
    )
    count = data_utils.sample_count(flat_x + targets + (weights or []), all_names)
    return PreparedData(
        structure, flat_x, specs, output_shapes, names, losses, targets, weights, count
    )
