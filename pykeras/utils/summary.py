"""`model.summary()`: Keras's table of layers, output shapes and parameter counts."""

import math

from pykeras.layers.input_layer import InputLayer


def readable_size(num_bytes):
    """`3712` -> `"3.62 KB"`, as Keras prints parameter memory."""
    units = ["B", "KB", "MB", "GB", "TB"]
    size = float(num_bytes)
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    return f"{size:.2f} {units[unit]}"


def _fmt_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_fmt_shape(v)}" for k, v in shape.items()) + "}"
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def _node_shape(node):
    from pykeras.engine.tree import map_structure

    return map_structure(lambda t: t.shape, node.outputs)


def _count(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def _is_sequential_like(model):
    from pykeras.models.functional import Functional
    from pykeras.models.sequential import Sequential

    if isinstance(model, Sequential) or not isinstance(model, Functional):
        return True
    for node in model._nodes:
        if len(node.input_tensors) > 1 or len(node.output_tensors) > 1:
            return False
    consumers = {}
    for node in model._nodes:
        for t in node.input_tensors:
            consumers[id(t)] = consumers.get(id(t), 0) + 1
    return all(c <= 1 for c in consumers.values()) and len(model.inputs) == 1


def _rows(model, sequential_like, show_trainable, expand_nested, depth=0):
    """One row per layer: [name (type), shape, params, (connected), (trainable)]."""
    from pykeras.models.functional import Functional
    from pykeras.models.model import Model
    from pykeras.models.sequential import Sequential

    rows = []
    if isinstance(model, Sequential) and model._functional is not None:
        graph, layers = model._functional, model.layers
    elif isinstance(model, Functional):
        graph, layers = model, model.layers
    else:
        graph, layers = None, model.layers
    node_of = {}
    if graph is not None:
        for node in graph._nodes:
            node_of.setdefault(id(node.layer), node)
    prefix = "   " * depth
    for layer in layers:
        node = node_of.get(id(layer))
        if node is None and layer._inbound_nodes:
            node = layer._inbound_nodes[-1]
        shape = _fmt_shape(_node_shape(node)) if node is not None else "?"
        if isinstance(layer, InputLayer):
            shape = _fmt_shape(layer.batch_shape)
        params = str(_count(layer.weights)) if layer.built else "0 (unbuilt)"
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", shape, params]
        if not sequential_like:
            connected = []
            if node is not None:
                for t in node.input_tensors:
                    src, node_index, tensor_index = t._keras_history
                    connected.append(f"{src.name}[{node_index}][{tensor_index}]")
            row.append(connected or ["-"])
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)
        if expand_nested and isinstance(layer, Model):
            rows.extend(_rows(layer, sequential_like, show_trainable, True, depth + 1))
    return rows


def _cell_lines(cell, width):
    """Splits a cell into lines that fit `width` (lists give one line per item)."""
    items = cell if isinstance(cell, list) else [cell]
    lines = []
    for item in items:
        text = str(item)
        while len(text) > width > 0:
            lines.append(text[:width])
            text = text[width:]
        lines.append(text)
    return lines


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
):
    """Prints a summary of `model` (see `Model.summary`).

    Args:
        model: the model.
        line_length: total width of the table.
        positions: the right edge of each column, as fractions of
            `line_length` (all <= 1) or as absolute character positions.
        print_fn: called with each line; defaults to `print`.
        expand_nested: also list the layers of nested models.
        show_trainable: add a column saying whether each layer is trainable.
    """
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if sequential_like:
        line_length = line_length or 88
        positions = positions or [0.45, 0.80, 1.0]
    else:
        line_length = line_length or 108
        positions = positions or [0.3, 0.56, 0.70, 1.0]
        headers.append("Connected to")
    if show_trainable:
        line_length += 11
        positions = [p * (line_length - 11) / line_length for p in positions] + [1.0]
        headers.append("Trainable")
    if len(positions) != len(headers):
        raise ValueError(
            f"summary expected {len(headers)} column positions. Received: positions={positions}"
        )
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths = [b - a - 1 for a, b in zip([0] + positions[:-1], positions)]
    widths = [max(w, 4) for w in widths]
    numeric = {2}

    def render(cells, left, sep, right):
        columns = [_cell_lines(c, w - 2) for c, w in zip(cells, widths)]
        height = max(len(c) for c in columns)
        out = []
        for i in range(height):
            parts = []
            for j, (col, w) in enumerate(zip(columns, widths)):
                text = col[i] if i < len(col) else ""
                parts.append(" " + (text.rjust(w - 2) if j in numeric else text.ljust(w - 2)) + " ")
            out.append(left + sep.join(parts) + right)
        return out

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    rows = _rows(model, sequential_like, show_trainable, expand_nested)
    print_fn(f'Model: "{model.name}"')
    print_fn(rule("┏", "┳", "┓", "━"))
    for line in render(headers, "┃", "┃", "┃"):
        print_fn(line)
    print_fn(rule("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        for line in render(row, "│", "│", "│"):
            print_fn(line)
        if i < len(rows) - 1:
            print_fn(rule("├", "┼", "┤", "─"))
    print_fn(rule("└", "┴", "┘", "─"))
    if model.built:
        trainable = _count(model.trainable_weights)
        total = _count(model.weights)
        frozen = total - trainable
    else:
        trainable = total = frozen = 0
    print_fn(f" Total params: {total} ({readable_size(total * 4)})")
    print_fn(f" Trainable params: {trainable} ({readable_size(trainable * 4)})")
    print_fn(f" Non-trainable params: {frozen} ({readable_size(frozen * 4)})")
