"""The Muon optimizer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer

# The native rule's group of the variables Muon updates by AdamW.
_ADAMW_GROUP = 1


class Muon(Optimizer):
    """Muon: momentum orthogonalized by Newton-Schulz iterations (Jordan et al., 2024).

    For a 2-D variable (a Dense kernel), the momentum `m = momentum * m + g`
    is taken with Nesterov's correction (`g + momentum * m`), replaced by an
    approximation of its nearest semi-orthogonal matrix (`ns_steps` quintic
    Newton-Schulz iterations with coefficients `muon_a`, `muon_b`, `muon_c`),
    scaled by `sqrt(max(rows, cols)) * rms_rate` (Liu et al., 2025) and
    subtracted times the learning rate. Every other variable takes an AdamW
    step (with `adam_beta_1`, `adam_beta_2`, `epsilon`, the learning rate
    times `adam_lr_ratio` and `adam_weight_decay`): variables that are not
    2-D, embeddings when `exclude_embeddings` (a path containing
    "embedding"), and variables whose path matches one of `exclude_layers`
    (regular expressions, e.g. the output layer's name). The step runs in Rust.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        adam_beta_1: AdamW's first-moment decay. Defaults to 0.9.
        adam_beta_2: AdamW's second-moment decay. Defaults to 0.999.
        adam_weight_decay: weight decay of the AdamW variables (None: none).
            Defaults to 0.004.
        epsilon: AdamW's epsilon. Defaults to 1e-7.
        weight_decay: weight decay of the Muon variables. Defaults to 0.004.
        exclude_layers: regular expressions; variables whose path matches one
            are updated by AdamW.
        exclude_embeddings: update embeddings by AdamW. Defaults to True.
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients. Defaults to
            3.4445, -4.7750, 2.0315.
        adam_lr_ratio: AdamW's learning rate over Muon's. Defaults to 1.
        momentum: Muon's momentum. Defaults to 0.95.
        ns_steps: Newton-Schulz iterations. Defaults to 5.
        nesterov: use Nesterov momentum. Defaults to True.
        rms_rate: the update's RMS scale (None: no scaling). Defaults to 0.2.
        clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Muon(learning_rate=0.01, exclude_layers=["output"])
    >>> model = keras.Sequential([
    ...     keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1, name="output")])
    >>> model.compile(optimizer=opt, loss="mse")
    """

    _rule = "muon"
    _rule_keys = (
        "adam_beta_1",
        "adam_beta_2",
        "epsilon",
        "muon_a",
        "muon_b",
        "muon_c",
        "adam_lr_ratio",
        "momentum",
        "ns_steps",
        "nesterov",
        "adam_weight_decay",
        "rms_rate",
    )

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        adam_beta_1: float = 0.9,
        adam_beta_2: float = 0.999,
        adam_weight_decay: float | None = 0.004,
        epsilon: float = 1e-7,
        weight_decay: float | None = 0.004,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        exclude_layers: Sequence[str] | None = None,
        exclude_embeddings: bool = True,
        muon_a: float = 3.4445,
        muon_b: float = -4.7750,
        muon_c: float = 2.0315,
        adam_lr_ratio: float = 1,
        momentum: float = 0.95,
        ns_steps: int = 5,
        nesterov: bool = True,
        rms_rate: float | None = 0.2,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate
        for pattern in self.exclude_layers:
            if not isinstance(pattern, str):
                raise TypeError(
                    "Muon's `exclude_layers` is a list of regular expressions (strings). "
                    f"Received: {pattern!r} in exclude_layers={self.exclude_layers!r}"
                )
        self._finish_init()

    def _should_use_adamw(self, variable: Any) -> bool:
        """Keras's rule: AdamW for variables not 2-D, embeddings (if
        `exclude_embeddings`) and paths matching `exclude_layers`."""
        if len(tuple(variable.shape)) != 2:
            return True
        path = str(getattr(variable, "path", getattr(variable, "name", "")))
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def _variable_groups(self, var_list: Sequence[Any]) -> list[int]:
        return [_ADAMW_GROUP if self._should_use_adamw(v) else 0 for v in var_list]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        rule = {key: config.pop(key) for key in self._rule_keys}
        # Keras's key order.
        config.update(
            adam_beta_1=rule["adam_beta_1"],
            adam_beta_2=rule["adam_beta_2"],
            epsilon=rule["epsilon"],
            exclude_layers=list(self.exclude_layers),
            muon_a=rule["muon_a"],
            muon_b=rule["muon_b"],
            muon_c=rule["muon_c"],
            adam_lr_ratio=rule["adam_lr_ratio"],
            momentum=rule["momentum"],
            ns_steps=rule["ns_steps"],
            nesterov=rule["nesterov"],
            exclude_embeddings=self.exclude_embeddings,
            adam_weight_decay=rule["adam_weight_decay"],
            rms_rate=rule["rms_rate"],
        )
        return config
