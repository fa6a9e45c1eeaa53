"""`plot_model`: draws a model's graph with pydot and Graphviz's `dot`."""

import difflib
import html
import os

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".dot": "dot", ".jpg": "jpg"}
_ARGS = (
    "model",
    "to_file",
    "show_shapes",
    "show_dtype",
    "show_layer_names",
    "rankdir",
    "expand_nested",
    "dpi",
    "show_layer_activations",
    "show_trainable",
)


def _import_pydot():
    try:
        import pydot
    except ImportError as e:
        raise ImportError(
            "plot_model needs pydot: install it with `pip install pydot`, and Graphviz's `dot` "
            "(e.g. `apt-get install graphviz` or `brew install graphviz`)."
        ) from e
    return pydot


def _shape_text(shape):
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items()) + "}"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _layer_label(layer, node, show_shapes, show_dtype, show_layer_names, show_activations,
                 show_trainable):  # fmt: skip
    from pykeras.engine.tree import map_structure

    title = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    rows = [f'<tr><td colspan="2"><b>{html.escape(title)}</b></td></tr>']
    if show_activations and hasattr(layer, "activation"):
        act = getattr(layer.activation, "__name__", str(layer.activation))
        rows.append(f'<tr><td colspan="2">Activation: {html.escape(act)}</td></tr>')
    if show_shapes and node is not None:
        ins = [t.shape for t in node.input_tensors]
        outs = map_structure(lambda t: t.shape, node.outputs)
        in_text = _shape_text(ins[0] if len(ins) == 1 else ins) if ins else "-"
        rows.append(
            f"<tr><td>Input shape: {html.escape(in_text)}</td>"
            f"<td>Output shape: {html.escape(_shape_text(outs))}</td></tr>"
        )
    if show_dtype:
        rows.append(f'<tr><td colspan="2">dtype: {html.escape(str(layer.dtype))}</td></tr>')
    if show_trainable:
        rows.append(f'<tr><td colspan="2">Trainable: {"Y" if layer.trainable else "N"}</td></tr>')
    return "<" + '<table border="0" cellborder="1" cellspacing="0">' + "".join(rows) + "</table>>"


def model_to_dot(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
):
    """The model's graph as a `pydot.Dot` (see `plot_model` for the arguments)."""
    from pykeras.models.functional import Functional
    from pykeras.models.sequential import Sequential

    pydot = _import_pydot()
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of TB, LR, BT, RL. Received: rankdir={rankdir!r}")
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=str(dpi), concentrate="true")
    dot.set_node_defaults(shape="plaintext", fontname="Helvetica")
    graph = model._functional if isinstance(model, Sequential) else model
    if isinstance(graph, Functional):
        nodes = graph._nodes
        first_node = {}
        for node in nodes:
            first_node.setdefault(id(node.layer), node)
        for layer in graph.layers:
            label = _layer_label(
                layer, first_node.get(id(layer)), show_shapes, show_dtype, show_layer_names,
                show_layer_activations, show_trainable,
            )  # fmt: skip
            dot.add_node(pydot.Node(str(id(layer)), label=label))
        for node in nodes:
            for t in node.input_tensors:
                src = t._keras_history[0]
                dot.add_edge(pydot.Edge(str(id(src)), str(id(node.layer))))
    else:
        previous = None
        for layer in model.layers:
            node = layer._inbound_nodes[-1] if layer._inbound_nodes else None
            label = _layer_label(
                layer, node, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                show_trainable,
            )  # fmt: skip
            dot.add_node(pydot.Node(str(id(layer)), label=label))
            if previous is not None:
                dot.add_edge(pydot.Edge(str(id(previous)), str(id(layer))))
            previous = layer
    return dot


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
    **kwargs,
):
    """Draws the model's graph to an image file.

    Args:
        model: the model to draw.
        to_file: the output path; its extension picks the format (`.png`,
            `.svg`, `.pdf`, `.jpg`, or `.dot` for the Graphviz source).
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's dtype.
        show_layer_names: show layer names as well as types.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right), ...
        expand_nested: accepted for Keras compatibility.
        dpi: the image resolution.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer is trainable.

    Example:

    >>> plot_model(model, to_file="model.png", show_shapes=True)
    """
    for key in kwargs:
        hint = difflib.get_close_matches(key, _ARGS, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise TypeError(f"plot_model() got an unexpected keyword argument '{key}'.{suggestion}")
    ext = os.path.splitext(str(to_file))[1].lower()
    if ext not in _FORMATS:
        raise ValueError(
            f"plot_model writes {sorted(_FORMATS)} files; the extension picks the format. "
            f"Received: to_file={to_file!r}"
        )
    dot = model_to_dot(
        model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
        show_layer_activations, show_trainable,
    )  # fmt: skip
    fmt = _FORMATS[ext]
    try:
        if fmt == "dot":
            data = dot.to_string().encode()
        else:
            data = dot.create(format=fmt)
    except FileNotFoundError as e:
        raise ImportError(
            "plot_model needs Graphviz's `dot` program on the PATH: install Graphviz "
            "(e.g. `apt-get install graphviz` or `brew install graphviz`)."
        ) from e
    # Write beside the target and rename, so a failure never leaves half a file.
    tmp = f"{to_file}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, to_file)
