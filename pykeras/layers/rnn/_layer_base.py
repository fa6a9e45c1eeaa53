"""What `SimpleRNN`, `LSTM` and `GRU` share: an `RNN` over their own cell,
whose arguments they take flat and whose config they report flat, as Keras's
layers do (no `cell` entry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pykeras import regularizers
from pykeras.layers.rnn.rnn import RNN

if TYPE_CHECKING:
    from typing_extensions import Self

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")


class CellLayer(RNN):
    """An `RNN` that builds its cell (`cell_class`) from flat arguments."""

    cell_class: ClassVar[type]
    cell_name: ClassVar[str]

    def __init__(self, cell_args: Any, **kwargs: Any) -> None:
        # Only layer arguments reach the cell (not input_shape and the like).
        cell = self.cell_class(
            **cell_args,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name=self.cell_name,
        )
        super().__init__(cell, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # units, activation, initializers, ... are the cell's, as in Keras.
        if name.startswith("_") or name in ("cell",):
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ATTRS:
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell._cell_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(  # type: ignore[override]  # no custom_objects: no nested cell config
        cls, config: dict[str, Any]
    ) -> Self:
        config = dict(config)
        # Keras 2 / tf.keras files carry keys Keras 3 dropped.
        for key in ("implementation", "time_major", "use_cudnn"):
            config.pop(key, None)
        return cls(**config)


_CELL_ATTRS = frozenset(
    {
        "units",
        "activation",
        "recurrent_activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "unit_forget_bias",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
        "reset_after",
        "seed",
    }
)
