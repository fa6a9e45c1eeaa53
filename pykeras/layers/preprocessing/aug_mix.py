"""AugMix: mixes each batch with chains of random augmentations of itself."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops, random
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing import _augment_ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor

_SOME = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
)
_ALL = (*_SOME, "random_brightness", "random_color_degeneration", "random_contrast",
        "random_sharpness")  # fmt: skip


class AugMix(AugmentationLayer):
    """Performs the AugMix data augmentation technique.

    `num_chains` chains each apply up to `chain_depth` operations chosen at
    random (each step may be skipped) to a copy of the batch; the chains are
    mixed with Dirichlet(alpha) weights, and the mix is blended with the
    original by a Beta(alpha, alpha) weight, then clipped to `value_range`.

    As in Keras 3, the operations of each chain are chosen in Python when
    the parameters are drawn: eagerly a new chain each call (repeatable
    with a seed), inside a compiled model once, when the step is traced
    (their parameters and the mixing weights are still drawn every step).
    Active only while training.

    Args:
        value_range: the images' value range (default `(0, 255)`).
        num_chains: the number of chains (default 3).
        chain_depth: the largest number of operations in a chain (default 3).
        factor: a number `f` in [0, 1] (strengths in `[0, f]`) or a pair (default 0.3).
        alpha: the Dirichlet and Beta parameter (default 1.0).
        all_ops: whether brightness, colour degeneration, contrast and
            sharpness are among the operations (default True).
        interpolation: "bilinear" (default) or "nearest".
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 8, 8, 3))
    >>> AugMix(seed=1)(x).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        num_chains: int = 3,
        chain_depth: int = 3,
        factor: Any = 0.3,
        alpha: float = 1.0,
        all_ops: bool = True,
        interpolation: str = "bilinear",
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        for arg, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidArgumentError(
                    f"Layer '{self.name}': `{arg}` should be a positive integer. "
                    f"Received: {arg}={value!r}"
                )
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not alpha > 0:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `alpha` should be a positive number. "
                f"Received: alpha={alpha!r}"
            )
        self.value_range = self._value_range_arg(value_range, sort=False)
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.alpha = alpha
        self.all_ops = bool(all_ops)
        self.interpolation = interpolation
        self._augment_layers = _ALL if self.all_ops else _SOME
        for name in self._augment_layers:
            layer = _augment_ops.make(name, self.factor, self.value_range, interpolation, seed,
                                      self.data_format)  # fmt: skip
            setattr(self, name, layer)
        # The chains' choices: seeded with the layer, so a seeded layer repeats.
        self._chooser = np.random.default_rng(seed)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        images = ops.convert_to_tensor(self._images_of(data))
        generator = self._seed(seed)
        alpha = float(self.alpha)
        gammas = random.gamma((self.num_chains,), alpha, seed=generator)
        weights = ops.divide(gammas, ops.sum(gammas, axis=-1, keepdims=True))
        blend = random.beta((), alpha, alpha, seed=generator)
        options = [*self._augment_layers, None]
        chains = []
        for _ in range(self.num_chains):
            chain = []
            for _ in range(self.chain_depth):
                name = options[int(self._chooser.integers(len(options)))]
                if name is None:
                    continue
                step = getattr(self, name).get_random_transformation(images, training=True,
                                                                     seed=generator)  # fmt: skip
                chain.append({"layer_name": name, "transformation": step})
            chains.append(chain)
        return {"chain_mixing_weights": weights, "weight_sample": blend, "chain_transforms": chains}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        weights = ops.cast(transformation["chain_mixing_weights"], "float32")
        blend = ops.cast(transformation["weight_sample"], "float32")
        mixed = ops.zeros_like(images)
        for index, chain in enumerate(transformation["chain_transforms"]):
            copy = images
            for step in chain:
                layer = getattr(self, step["layer_name"])
                copy = layer.transform_images(copy, step["transformation"])
            mixed = ops.add(mixed, ops.multiply(copy, ops.take(weights, index)))
        out = ops.add(ops.multiply(blend, images), ops.multiply(ops.subtract(1.0, blend), mixed))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "value_range": list(self.value_range),
                "num_chains": self.num_chains,
                "chain_depth": self.chain_depth,
                "factor": list(self.factor),
                "alpha": self.alpha,
                "all_ops": self.all_ops,
                "interpolation": self.interpolation,
                "seed": self.seed,
            }
        )
        return config
