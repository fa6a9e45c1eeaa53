"""History: records the epoch logs of `fit`; it is what `fit` returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras.callbacks.callback import Callback
from pykeras.errors import InvalidArgumentError


class History(Callback):
    """Callback that records events into a `History` object.

    Every `fit` adds one (unless given one) and returns it; it is also set as
    `model.history`.

    Attributes:
        history: Dict mapping each log key (`"loss"`, `"val_loss"`, ...) to
            the list of its values, one per epoch.
        epoch: List of the epoch indices seen by the last `fit`.
        params: The training parameters (`verbose`, `epochs`, `steps`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> history = model.fit(x, y, epochs=3, verbose=0)
    >>> history.history.keys()
    dict_keys(['loss'])
    >>> len(history.history["loss"])
    3
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # `history` accumulates across fits with the same object, like Keras;
        # `epoch` restarts.
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keep `model.history` pointing at the object that holds the latest state.
        if self.model is not None:
            self.model.history = self

    def plot(self, metrics: Sequence[str] | None = None, figsize: Any = None) -> Any:
        """Plots the recorded values against the epoch, with matplotlib.

        One panel per metric (its `val_` curve dashed beside the training
        one), so that the loss and, say, the accuracy keep their own scales.
        In a notebook the figure shows below the cell; elsewhere call
        `matplotlib.pyplot.show()` or `fig.savefig(...)`. pykeras addition:
        Keras's `History` has no `plot`.

        Args:
            metrics: the names to plot (`"loss"`, `"accuracy"`, ...; a `val_`
                name is drawn with its training name). Defaults to all.
            figsize: the figure's `(width, height)` in inches; by default 4.5
                by 3.5 per panel.

        Returns:
            The matplotlib `Figure`.

        Raises:
            ImportError: matplotlib is not installed.
            InvalidArgumentError: nothing was recorded, or an unknown name was asked for.
        """
        names = _panel_names(self.history, metrics)
        try:
            # Optional dependency: only plotting needs matplotlib.
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise ImportError(
                "History.plot needs matplotlib, which is not installed: `pip install matplotlib`."
            ) from e
        fig, axes = plt.subplots(
            1, len(names), figsize=figsize or (4.5 * len(names), 3.5), squeeze=False
        )
        for ax, name in zip(axes[0], names):
            for key, style in ((name, "-"), (f"val_{name}", "--")):
                if key in self.history:
                    values = self.history[key]
                    epochs = range(1, len(values) + 1)
                    ax.plot(epochs, [float(v) for v in values], style, label=key)
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.legend()
        fig.tight_layout()
        return fig


def _panel_names(history: dict[str, list[Any]], metrics: Sequence[str] | None) -> list[str]:
    """The training names to draw one panel each for, in the order recorded."""
    if not history:
        raise InvalidArgumentError(
            "History.plot has nothing to plot: no epoch was recorded (call `fit` first). "
            "Received: history={}"
        )
    recorded = [k[4:] if k.startswith("val_") else k for k in history]
    wanted = list(dict.fromkeys(recorded)) if metrics is None else list(metrics)
    names = []
    for name in wanted:
        base = name[4:] if name.startswith("val_") else name
        if base not in recorded:
            raise InvalidArgumentError(
                f"History.plot cannot plot {name!r}: the recorded names are "
                f"{sorted(history)}. Received: metrics={metrics!r}"
            )
        if base not in names:
            names.append(base)
    return names
