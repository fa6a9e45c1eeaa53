"""RandomShear: shears images along x and y at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._sample import pixel_grid
from pykeras.layers.preprocessing._warp_base import WarpLayer


class RandomShear(WarpLayer):
    """A preprocessing layer that randomly applies shear transformations.

    Output pixel `(x, y)` of an image samples the input at
    `(x + sx * y, sy * x + y)`, with `sx` drawn in `x_factor`'s range and
    `sy` in `y_factor`'s, both negated together with probability 1/2 (the
    shear is not centred, as in Keras 3). Pixels from outside are filled
    per `fill_mode`. Active only while training.

    Args:
        x_factor: a number `f` in [0, 1] (shears in `[-f, f]`) or a pair in [-1, 1].
        y_factor: the same for the vertical shear.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 8, 8, 3))
    >>> RandomShear(x_factor=0.2)(x).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        x_factor: Any = 0.0,
        y_factor: Any = 0.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.x_factor = self._shear_factor(x_factor, "x_factor")
        self.y_factor = self._shear_factor(y_factor, "y_factor")
        self._warp_args(interpolation, fill_mode, fill_value)

    def _shear_factor(self, value: Any, name: str) -> Any:
        message = (
            f"Layer '{self.name}': the `factor` argument should be a number (or a list of two "
            f"numbers) in the range [0, 1.0]. Received: {name}={value!r}"
        )
        pair = isinstance(value, (tuple, list))
        numbers = list(value) if pair else [value]
        # Keras refuses negative ends in a pair, so its own configs (which
        # store `(-f, f)`) do not load back; pykeras takes pairs in [-1, 1].
        low = -1 if pair else 0
        if (pair and len(numbers) != 2) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= 1
            for v in numbers
        ):
            raise InvalidArgumentError(message)
        if pair:
            return tuple(sorted(numbers))
        return (-abs(value), abs(value))

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        batch = self._batch_size(data)
        seed = self._seed(seed)
        invert = ops.where(ops.greater(self._uniform((batch, 1), 0.0, 1.0, seed), 0.5), -1.0, 1.0)
        shear_y = self._uniform((batch, 1), self.y_factor[0], self.y_factor[1], seed)
        shear_x = self._uniform((batch, 1), self.x_factor[0], self.x_factor[1], seed)
        factor = ops.multiply(ops.concatenate([shear_x, shear_y], axis=1), invert)
        return {"shear_factor": factor, "input_shape": tuple(ops.shape(self._images_of(data)))}

    def _transform(self, images: Any, transformation: Any, interpolation: str) -> Any:
        h, w = self._sizes(images)
        factor = ops.cast(transformation["shear_factor"], "float32")
        sx = ops.reshape(ops.take(factor, 0, axis=1), (-1, 1, 1))
        sy = ops.reshape(ops.take(factor, 1, axis=1), (-1, 1, 1))
        gx, gy = pixel_grid(h, w)
        xs = ops.add(gx, ops.multiply(sx, gy))
        ys = ops.add(ops.multiply(sy, gx), gy)
        return self._sample(images, xs, ys, interpolation)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "x_factor": list(self.x_factor),
                "y_factor": list(self.y_factor),
                "fill_mode": self.fill_mode,
                "seed": self.seed,
            }
        )
        return config
