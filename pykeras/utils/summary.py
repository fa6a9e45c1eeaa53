"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts.

Keras 3 draws the table with `rich`. pykeras does not depend on rich, so the
parts of rich's table layout that the summary uses (fixed column widths shrunk
evenly to fit, word wrapping, `…` for words too long for their column, header
cells aligned to the bottom) are reproduced here: the text printed is the same
as Keras 3.15's, character for character.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pykeras.engine.tree import ShapeTuple, flatten, map_structure
from pykeras.layers.input_layer import InputLayer

# The model classes come from the registry `pykeras.models` fills: models sit
# above utils (a `Model` prints itself with `print_summary`).
from pykeras.saving import registry
from pykeras.utils.io_utils import interactive_logging, print_msg
from pykeras.utils.notebook import RichText, notebook_display, summary_html

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, ShapeLike


def count_params(weights: Any) -> int:
    """The number of scalars in `weights`."""
    return int(sum(math.prod(w.shape) for w in weights))


def _dtype_bits(dtype: DTypeLike) -> Any:
    name = str(getattr(dtype, "name", dtype) or "float32")
    if name == "bool":
        return 1
    digits = re.search(r"(\d+)$", name)
    return int(digits.group(1)) if digits else 32


def weight_memory_size(weights: Any) -> float:
    """The bytes `weights` take (each counted once), from their dtypes."""
    unique = {id(w): w for w in weights}.values()
    bits = sum(math.prod(w.shape) * _dtype_bits(getattr(w, "dtype", None)) for w in unique)
    return bits / 8


def readable_memory_size(num_bytes: float) -> str:
    """`3712` -> `"3.62 KB"`, as Keras prints parameter memory (binary units)."""
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    for unit in units:
        if num_bytes / 1024 < 1:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} {units[-1]}"


readable_size = readable_memory_size


# ------------------------------------------------------------------ the graph


def _is_input_node(node: Any) -> bool:
    return isinstance(node.layer, InputLayer) and not node.input_tensors


def functional_graph(model: Any) -> tuple[Any, list[Any]]:
    """`(nodes_by_depth, layers)` of a Functional model, as Keras's `map_graph`
    computes them: depth 0 at the outputs, layers ordered by decreasing depth
    and then by when a depth-first walk from the outputs first meets them."""
    input_ids = {id(t) for t in model.inputs}
    finished: set[int] = set()
    order: list[Any] = []
    first_seen: dict[int, tuple[int, Any]] = {}
    for output in model.outputs:
        stack = [(False, output)]
        while stack:
            leaving, item = stack.pop()
            if leaving:
                finished.add(id(item))
                order.append(item)
                continue
            layer, node_index, _ = item._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in finished:
                continue
            is_input = _is_input_node(node)
            if not is_input and id(item) in input_ids:
                # A declared input made by another layer: that layer is outside the model.
                finished.add(id(node))
                continue
            first_seen.setdefault(id(layer), (len(first_seen), layer))
            stack.append((True, node))
            if not is_input:
                stack.extend((False, t) for t in reversed(node.input_tensors))
    in_graph = {id(node) for node in order}
    node_depth: dict[Any, int] = {}
    layer_depth: dict[Any, int] = {}
    by_id = {id(node): node for node in order}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in model.inputs:
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(layer) not in layer_depth and _is_input_node(node):
            # An input no output depends on still belongs to the model.
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = (-1, layer)
            node_depth[id(node)] = 0
            by_id[id(node)] = node
    nodes_by_depth: dict[int, list[Any]] = {}
    for node_id, depth in node_depth.items():
        nodes_by_depth.setdefault(depth, []).append(by_id[node_id])
    ranked = sorted(first_seen.values(), key=lambda p: (-layer_depth[id(p[1])], p[0]))
    return nodes_by_depth, [layer for _, layer in ranked]


def _layers_of(model: Any) -> Any:
    """A model's layers in Keras's order (Functional models by depth)."""
    if isinstance(model, registry.models().Functional):
        return functional_graph(model)[1]
    return list(model.layers)


def _is_sequential_like(nodes_by_depth: Any, layers: Any) -> Any:
    """Keras's test: one node per depth, one input per node, no shared layer."""
    nodes = []
    for same_depth in nodes_by_depth.values():
        if len(same_depth) > 1 or (len(same_depth) == 1 and len(same_depth[0].input_tensors) > 1):
            return False
        nodes += same_depth
    node_ids = {id(n) for n in nodes}
    return all(sum(id(n) in node_ids for n in layer._inbound_nodes) <= 1 for layer in layers)


# ------------------------------------------------------------------ the cells


def _format_shape(shape: ShapeLike) -> Any:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def format_layer_shape(layer: Any) -> str:
    """The output shape of the layer's last call, as Keras prints it."""
    if layer._inbound_nodes:
        shapes = [_format_shape(t.shape) for t in layer._inbound_nodes[-1].output_tensors]
    elif layer.built and layer._build_shapes_dict is not None:
        try:
            out = layer.compute_output_shape(layer._build_shapes_dict)
        except Exception:  # a layer that cannot tell prints "?", as in Keras
            return "?"
        if isinstance(out, tuple) and all(d is None or isinstance(d, int) for d in out):
            out = ShapeTuple(out)
        shapes = flatten(map_structure(lambda s: _format_shape(s), out))
    else:
        return "?"
    if len(shapes) == 1:
        return shapes[0]
    return str(shapes).replace("'", "")


def _connections(layer: Any, relevant_nodes: Any) -> Any:
    """`"a[0][0], b[0][0]"`: the tensors each call of `layer` in the model took."""
    connections = []
    for node in layer._inbound_nodes:
        if relevant_nodes and id(node) not in relevant_nodes:
            continue  # a call outside this model
        for t in node.input_tensors:
            source, node_index, tensor_index = t._keras_history
            connections.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(connections) or "-"


def get_layer_index_bound_by_layer_name(
    layers: Sequence[Any], layer_range: Any = None
) -> list[int]:
    """`[first, last + 1]`: the slice of `layers` from the first layer whose name
    matches `layer_range[0]` to the last one matching `layer_range[1]` (both are
    regular expressions, matched at the start of the name)."""
    if layer_range is None:
        return [0, len(layers)]
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            f"Passed layer_names do not match the layer names in the model. Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


# ------------------------------------------------------------------ the table (as rich draws it)


def _ratio_reduce(total: Any, maximums: Any, values: Any) -> Any:
    """rich's `ratio_reduce` with equal ratios: takes `total` off `values` evenly."""
    ratios = [1 if m else 0 for m in maximums]
    total_ratio = sum(ratios)
    if not total_ratio:
        return list(values)
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * total / total_ratio))
            result.append(value - distributed)
            total -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _ratio_distribute(total: Any, ratios: Any) -> Any:
    """rich's `ratio_distribute`: splits `total` in proportion to `ratios`, rounding up."""
    total_ratio = sum(ratios)
    parts = []
    for ratio in ratios:
        part = math.ceil(ratio * total / total_ratio) if total_ratio > 0 else total
        parts.append(part)
        total_ratio -= ratio
        total -= part
    return parts


def _table_widths(column_widths: Any, line_length: int) -> Any:
    """Each column's width with its padding, once the table is `line_length` wide:
    shrunk evenly when the columns are too wide, grown in proportion when they
    are too narrow (rich's table with a fixed `width`)."""
    budget = line_length - (len(column_widths) + 1)  # the vertical rules
    widths = [min(w + 2, budget) for w in column_widths]
    if sum(widths) > budget:
        widths = _ratio_reduce(sum(widths) - budget, widths, widths)
        widths = [w if w >= 1 else 0 for w in widths]
    if 0 < sum(widths) < budget:
        widths = [
            w + extra for w, extra in zip(widths, _ratio_distribute(budget - sum(widths), widths))
        ]
    return widths


_WORD = re.compile(r"\s*\S+\s*")


def _line_breaks(text: Any, width: int) -> Any:
    """Where rich breaks `text` to fit `width`: between words; a word longer than
    the column gets a line of its own (and is cut with `…` later)."""
    breaks, offset, position = [], 0, 0
    match = _WORD.match(text, position)
    while match is not None:
        start, end = match.span()
        word = match.group(0)
        word_length = len(word.rstrip())
        if width - offset >= word_length:
            offset += len(word)
        elif word_length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
        match = _WORD.match(text, end)
    return breaks


def _truncate(line: Any, width: int) -> Any:
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def _wrap(text: Any, width: int, justify: Any) -> Any:
    """The lines of one cell, each exactly `width` wide (none in a column too narrow)."""
    if width < 1:
        return []
    lines = []
    for paragraph in str(text).split("\n"):
        cuts = [0] + _line_breaks(paragraph, width) + [len(paragraph)]
        for a, b in zip(cuts, cuts[1:]):
            line = paragraph[a:b]
            if len(line) > width:  # drop trailing spaces beyond the width
                trailing = len(line) - len(line.rstrip())
                line = line[: len(line) - min(trailing, len(line) - width)]
            if justify == "left":
                line = _truncate(line, width).ljust(width)
            elif justify == "right":
                line = _truncate(line.rstrip(), width).rjust(width)
            else:
                line = _truncate(line.rstrip(), width)
                line = " " * ((width - len(line)) // 2) + line
                line = line.ljust(width)
            lines.append(line)
    return lines


def _render_row(
    cells: Any, widths: Any, alignment: Any, border: Any, bottom_align: bool = False
) -> Any:
    columns = [_wrap(c, max(w - 2, 0), a) for c, w, a in zip(cells, widths, alignment)]
    height = max(1, *(len(c) for c in columns))
    for i, column in enumerate(columns):
        blank = [" " * max(widths[i] - 2, 0)] * (height - len(column))
        columns[i] = blank + column if bottom_align else column + blank
    return [
        border + border.join(f" {col[line]} "[:w] for col, w in zip(columns, widths)) + border
        for line in range(height)
    ]


def _rule(widths: Any, left: Any, mid: Any, right: Any, fill: Any) -> Any:
    return left + mid.join(fill * w for w in widths) + right


def _table(header: Any, alignment: Any, widths: Any, rows: Any) -> Any:
    lines = [_rule(widths, "┏", "┳", "┓", "━")]
    lines += _render_row(header, widths, alignment, "┃", bottom_align=True)
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
        lines += _render_row(row, widths, alignment, "│")
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    return lines


# ------------------------------------------------------------------ summary


def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: Any = None,
    print_fn: Callable[..., Any] | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Any = None,
) -> None:
    """Prints a summary of `model` (see `Model.summary`), exactly as Keras 3 does.

    Args:
        model: the model.
        line_length: the table's width. Defaults to 88 (108 with a
            "Connected to" column, 12 more with `show_trainable`), but at most
            the terminal's width minus 4.
        positions: the right edge of each column as fractions of `line_length`
            (character positions, as Keras 2 took them, are accepted too).
        print_fn: called once with the whole summary; defaults to printing it.
        expand_nested: also list the layers of nested models, under their model.
        show_trainable: add a column saying whether each layer is trainable.
        layer_range: `[first, last]`: list only the layers from the first one
            whose name matches `first` to the last one matching `last` (both
            are regular expressions).
    """
    models = registry.models()
    relevant_nodes = set()
    if isinstance(model, models.Functional) and not isinstance(model, models.Sequential):
        nodes_by_depth, layers = functional_graph(model)
        sequential_like = _is_sequential_like(nodes_by_depth, layers)
        relevant_nodes = {id(n) for same in nodes_by_depth.values() for n in same}
    else:
        # Sequential and subclassed models are listed as a plain stack of layers.
        layers = list(model.layers)
        sequential_like = True

    header = ["Layer (type)", "Output Shape", "Param #"]
    alignment = ["left", "left", "right"]
    if sequential_like:
        default_line_length = 88
        default_positions = [0.45, 0.80, 1.0]
    else:
        default_line_length = 108
        default_positions = [0.3, 0.56, 0.74, 1.0]
        header.append("Connected to")
        alignment.append("left")
    if show_trainable:
        default_line_length += 12
    default_line_length = min(default_line_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_line_length
    given_positions = positions
    if positions and positions[-1] > 1:
        positions = [p / line_length for p in positions]  # character positions (Keras 2)
    positions = list(positions or default_positions)
    if show_trainable:
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    if len(positions) != len(header):
        raise ValueError(
            f"summary expected {len(header) - show_trainable} column positions "
            f"(for {header[: len(header) - show_trainable]}). Received: positions={given_positions}"
        )
    column_widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        column_widths.append(width)
        current += width

    def layer_fields(layer: Any, prefix: Any) -> Any:
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if not hasattr(layer, "built"):
            params = "0"  # a `keras.Operation`: no weights
        elif not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{count_params(layer.weights):,}"
        fields = [name, format_layer_shape(layer), params]
        if not sequential_like:
            fields.append(_connections(layer, relevant_nodes))
        if show_trainable:
            weights = getattr(layer, "weights", None)
            fields.append(("Y" if layer.trainable else "N") if weights else "-")
        return fields

    def layer_rows(layer: Any, level: int = 0) -> Any:
        rows = [layer_fields(layer, "   " * level + "└ " if level else "")]
        if expand_nested and getattr(layer, "layers", None):
            for sublayer in _layers_of(layer):
                rows += layer_rows(sublayer, level + 1)
        return rows

    first, last = get_layer_index_bound_by_layer_name(layers, layer_range)
    rows = [row for layer in layers[first:last] for row in layer_rows(layer)]

    trainable = model.trainable_weights
    frozen = model.non_trainable_weights
    totals = [
        ("Total", count_params(trainable) + count_params(frozen),
         weight_memory_size(trainable) + weight_memory_size(frozen)),
        ("Trainable", count_params(trainable), weight_memory_size(trainable)),
        ("Non-trainable", count_params(frozen), weight_memory_size(frozen)),
    ]  # fmt: skip
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer and getattr(optimizer, "built", False):
        variables = optimizer.variables
        count, size = count_params(variables), weight_memory_size(variables)
        totals[0] = ("Total", totals[0][1] + count, totals[0][2] + size)
        totals.append(("Optimizer", count, size))

    widths = _table_widths(column_widths, line_length)
    title = f'Model: "{model.name}"'
    footer = [f" {what} params: {count:,} ({readable_memory_size(size)})"
              for what, count, size in totals]  # fmt: skip
    text = "\n".join([title, *_table(header, alignment, widths, rows), *footer]) + "\n"
    if print_fn is not None:
        print_fn(text)
        return
    # In a Jupyter kernel the table is shown as HTML (Keras's rich table renders
    # there too); its text form stays the printed one.
    display = notebook_display() if interactive_logging() else None
    if display is None:
        print_msg(text, line_break=False)
    else:
        display(RichText(text, summary_html(title, header, alignment, rows, footer)))
