"""The base of the augmentation layers ported from Keras 3's
`image_preprocessing` package (colour, histogram, mixing and warping
layers): Keras's data dicts, single images, value ranges and factor rules.

`call` takes images or Keras's dict `{"images": ..., "labels": ...,
"segmentation_masks": ..., "bounding_boxes": ...}`. Random parameters are
drawn once per call on the whole data (`get_random_transformation`, whose
dict keys and values are Keras's, so a Keras draw can be replayed), then
`transform_images` applies them to a batch; a single image (rank 3) is a
batch of one, as in Keras. While not training the data passes unchanged,
except for layers that are `always_on` (AutoContrast).
"""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.preprocessing._random_base import BaseRandomLayer

_KEYS = ("images", "labels", "segmentation_masks", "bounding_boxes")


class AugmentationLayer(BaseRandomLayer):
    """Random (or training-only) image layer over images or Keras's data dicts.

    Subclasses define `get_random_transformation(data, training, seed)` and
    `transform_images(images, transformation, training)` on batches; they
    may define `transform_labels` and `transform_segmentation_masks`
    (identity by default, right for colour layers). `geometric` layers,
    which would move bounding boxes, refuse them.
    """

    always_on = False
    geometric = False

    def call(self, inputs: Any, training: bool | None = True) -> Any:
        active = bool(training) or self.always_on
        if isinstance(inputs, dict):
            return self._call_dict(inputs, active)
        if not active:
            return inputs
        images = ops.convert_to_tensor(inputs)
        transformation = self.get_random_transformation(images, training=True)
        return self._on_batch(self.transform_images, images, transformation)

    def _call_dict(self, data: dict, active: bool) -> dict:
        unknown = [k for k in data if k not in _KEYS]
        if "images" not in data or unknown:
            raise InvalidArgumentError(
                f"Layer '{self.name}' expected images or a dict with an 'images' key and "
                f"optionally {_KEYS[1:]}. Received: a dict with keys {sorted(data)}"
            )
        if "bounding_boxes" in data and self.geometric:
            raise InvalidArgumentError(
                f"Layer '{self.name}': pykeras's {type(self).__name__} does not move bounding "
                "boxes. Pass images, labels and segmentation masks only. Received: a dict "
                "with a 'bounding_boxes' key"
            )
        if not active:
            return dict(data)
        images = ops.convert_to_tensor(data["images"])
        transformation = self.get_random_transformation({**data, "images": images}, training=True)
        out = dict(data)
        out["images"] = self._on_batch(self.transform_images, images, transformation)
        single = len(ops.shape(images)) == 3
        if "labels" in data:
            labels = ops.convert_to_tensor(data["labels"])
            if single:
                labels = ops.expand_dims(labels, 0)
            labels = self.transform_labels(labels, transformation, training=True)
            out["labels"] = ops.squeeze(labels, 0) if single else labels
        if "segmentation_masks" in data:
            masks = ops.convert_to_tensor(data["segmentation_masks"])
            out["segmentation_masks"] = self._on_batch(
                self.transform_segmentation_masks, masks, transformation
            )
        return out

    def _on_batch(self, fn: Any, images: Any, transformation: Any) -> Any:
        """`fn` on a batch; a single image goes through as a batch of one."""
        shape = ops.shape(images)
        self._check_rank(shape)
        if len(shape) == 4:
            return fn(images, transformation, training=True)
        out = fn(ops.expand_dims(images, 0), transformation, training=True)
        return ops.squeeze(out, 0)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        """Labels unchanged (the layer does not mix images)."""
        return labels

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ) -> Any:
        """Segmentation masks unchanged (a colour change keeps every pixel's class)."""
        return segmentation_masks

    def compute_output_shape(self, input_shape: Any) -> Any:
        if isinstance(input_shape, dict):
            # Keras's data dict: each entry keeps its shape.
            return {k: self.compute_output_shape(v) for k, v in input_shape.items()}
        return tuple(input_shape)

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def _images_of(data: Any) -> Any:
        return data["images"] if isinstance(data, dict) else data

    def _batch_size(self, data: Any) -> Any:
        """The batch size of `data` (1 for a single image; None while tracing)."""
        shape = ops.shape(self._images_of(data))
        self._check_rank(shape)
        return shape[0] if len(shape) == 4 else 1

    def _seed(self, seed: Any) -> Any:
        return self.generator if seed is None else seed

    def _channels_axis(self) -> int:
        return -3 if self.data_format == "channels_first" else -1

    def _value_range_arg(self, value_range: Any, sort: bool = True) -> Any:
        """Keras's `_set_value_range`: a pair of numbers (sorted into a list when
        the Keras layer sorts it, else kept as given)."""
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise InvalidArgumentError(
                f"Layer '{self.name}': the `value_range` argument should be a list of two "
                f"numbers. Received: value_range={value_range!r}"
            )
        return sorted(value_range) if sort else value_range

    def _needs_rgb(self, images: Any) -> None:
        channels = ops.shape(images)[self._channels_axis()]
        if channels is not None and channels != 3:
            raise ShapeError(
                f"Layer '{self.name}' expected RGB images (3 channels, data_format="
                f"{self.data_format!r}). Received: images of shape {tuple(ops.shape(images))}"
            )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("seed", None)
        return config


def transform_value_range(images: Any, original: Any, target: Any) -> Any:
    """Keras's `_transform_value_range`: `images` mapped linearly from the
    `original` range to the `target` range (in Keras's order of operations,
    so float32 results agree)."""
    if original[0] == target[0] and original[1] == target[1]:
        return images
    lo, hi = float(original[0]), float(original[1])
    unit = ops.divide(ops.subtract(images, lo), hi - lo)
    return ops.add(ops.multiply(unit, float(target[1]) - float(target[0])), float(target[0]))


def unit_factor(value: Any, name: str, layer_name: str, bounds: Any = (0.0, 1.0)) -> Any:
    """Keras's `_set_factor_by_name` (RandomGaussianBlur, RandomErasing): a
    number `f` in `bounds` gives `(max(-f, low), f)`, a pair is sorted."""
    low, high = bounds
    message = (
        f"Layer '{layer_name}': the `{name}` argument should be a number (or a list of two "
        f"numbers) in the range [{low}, {high}]. Received: {name}={value!r}"
    )
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(_is_number(v) for v in value):
            raise InvalidArgumentError(message)
        if value[0] > high or value[1] < low:
            raise InvalidArgumentError(message)
        lower, upper = sorted(value)
    elif _is_number(value):
        if value < low or value > high:
            raise InvalidArgumentError(message)
        lower, upper = max(-abs(value), low), abs(value)
    else:
        raise InvalidArgumentError(message)
    return lower, upper


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
