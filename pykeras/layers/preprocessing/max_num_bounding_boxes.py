"""MaxNumBoundingBoxes: pads or truncates bounding boxes to a fixed number."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer


class MaxNumBoundingBoxes(AugmentationLayer):
    """Ensure the maximum number of bounding boxes.

    In a dict `{"images": ..., "bounding_boxes": {"boxes": ..., "labels":
    ...}}` (boxes `(batch, n, 4)`, labels `(batch, n)`, or without the batch
    axis for one image), keeps the first `max_number` boxes and labels and
    pads with `fill_value` up to `max_number`, so batches of images with
    different numbers of boxes stack. Images, labels and masks pass
    unchanged. Active at training and inference.

    Args:
        max_number: the number of boxes kept.
        fill_value: the value of padding boxes and labels (default -1).
        bounding_box_format: the boxes' format, e.g. "xyxy" (required, as in
            Keras, to pass bounding boxes).

    Example:

    >>> layer = MaxNumBoundingBoxes(3, bounding_box_format="xyxy")
    >>> boxes = {"boxes": np.ones((2, 1, 4)), "labels": np.ones((2, 1))}
    >>> out = layer({"images": np.zeros((2, 8, 8, 3)), "bounding_boxes": boxes})
    >>> out["bounding_boxes"]["boxes"].shape
    (2, 3, 4)
    """

    always_on = True

    def __init__(
        self,
        max_number: int,
        fill_value: int = -1,
        bounding_box_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (
            not isinstance(max_number, (int, float))
            or isinstance(max_number, bool)
            or max_number < 1
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `max_number` should be a positive integer. "
                f"Received: max_number={max_number!r}"
            )
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)
        self.bounding_box_format = bounding_box_format

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        return None

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        return images

    def call(self, inputs: Any, training: bool | None = True) -> Any:
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return super().call(inputs, training=training)
        if not self.bounding_box_format:
            raise InvalidArgumentError(
                f"Layer '{self.name}': you passed an input with a 'bounding_boxes' key, but you "
                "didn't specify a bounding box format. Pass a `bounding_box_format` argument to "
                "your MaxNumBoundingBoxes layer, e.g. `bounding_box_format='xyxy'`."
            )
        boxes_in = inputs["bounding_boxes"]
        if not isinstance(boxes_in, dict) or set(boxes_in) - {"boxes", "labels"}:
            raise InvalidArgumentError(
                f"Layer '{self.name}' expected `bounding_boxes` as a dict with 'boxes' and "
                f"'labels'. Received: {boxes_in!r}"
            )
        rest = {k: v for k, v in inputs.items() if k != "bounding_boxes"}
        out = super().call(rest, training=training)
        single = len(ops.shape(ops.convert_to_tensor(inputs["images"]))) == 3
        boxes = ops.convert_to_tensor(boxes_in["boxes"])
        labels = ops.convert_to_tensor(boxes_in["labels"])
        if single:
            boxes, labels = ops.expand_dims(boxes, 0), ops.expand_dims(labels, 0)
        boxes, labels = self._fit(boxes, 2), self._fit(labels, 1)
        if single:
            boxes, labels = ops.squeeze(boxes, 0), ops.squeeze(labels, 0)
        out["bounding_boxes"] = {**boxes_in, "boxes": boxes, "labels": labels}
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = super().compute_output_shape(input_shape)
        if isinstance(shape, dict) and isinstance(shape.get("bounding_boxes"), dict):
            boxes = dict(shape["bounding_boxes"])
            for key in ("boxes", "labels"):
                if key in boxes and len(boxes[key]) >= 2:
                    dims = list(boxes[key])
                    # (batch, n, ...) or, for one image, (n, ...).
                    dims[1 if len(dims) == (3 if key == "boxes" else 2) else 0] = self.max_number
                    boxes[key] = tuple(dims)
            shape["bounding_boxes"] = boxes
        return shape

    def _fit(self, x: Any, rank_after: int) -> Any:
        """`x` `(batch, n, ...)` cut or padded to `(batch, max_number, ...)`."""
        n = ops.shape(x)[1]
        if n is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}' needs the number of boxes. Received: shape "
                f"{tuple(ops.shape(x))}"
            )
        if n >= self.max_number:
            return ops.take(x, list(range(self.max_number)), axis=1)
        padding = [[0, 0], [0, self.max_number - n]] + [[0, 0]] * (rank_after - 1)
        return ops.pad(x, padding, constant_values=self.fill_value)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        config.update({"max_number": self.max_number, "fill_value": self.fill_value})
        return config
