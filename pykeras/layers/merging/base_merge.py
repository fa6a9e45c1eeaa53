"""The base of the merge layers (Add, Multiply, Concatenate, ...): a list of
inputs in, one tensor out, with the shape checks they share."""

from __future__ import annotations

from typing import Any, NoReturn

from pykeras.errors import ShapeError
from pykeras.layers.layer import Layer


def _is_shape_list(input_shape: Any) -> Any:
    return isinstance(input_shape, (list, tuple)) and all(
        isinstance(s, (list, tuple)) for s in input_shape
    )


class Merge(Layer):
    """Base class of layers that merge a list of tensors elementwise."""

    def _check_list(self, input_shape: Any) -> None:
        if not _is_shape_list(input_shape) or len(input_shape) < 1:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) should be called on a list of "
                f"inputs. Received: input_shape={input_shape}"
            )

    def _broadcast(self, shapes: Any) -> Any:
        """The elementwise result shape, or a ShapeError naming the layer."""
        rank = max(len(s) for s in shapes)
        out = []
        for axis in range(rank):
            dims = [s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0]
            known = {d for d in dims if d is not None and d != 1}
            if len(known) > 1:
                raise ShapeError(
                    f"Layer '{self.name}' ({type(self).__name__}) expected inputs with matching "
                    f"shapes (or size 1 / unknown). Received: input shapes "
                    f"{[tuple(s) for s in shapes]}"
                )
            if known:
                out.append(known.pop())
            elif any(d is None for d in dims):
                out.append(None)
            else:
                out.append(1)
        return tuple(out)

    def build(self, input_shape: Any) -> None:
        self._check_list(input_shape)
        self._broadcast(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._check_list(input_shape)
        return self._broadcast(input_shape)

    def call(self, inputs: Any) -> Any:
        result = inputs[0]
        for x in inputs[1:]:
            result = self._merge_two(result, x)
        return self._finish(result, len(inputs))

    def _merge_two(self, a: Any, b: Any) -> NoReturn:
        raise NotImplementedError

    def _finish(self, result: Any, count: int) -> Any:
        return result
