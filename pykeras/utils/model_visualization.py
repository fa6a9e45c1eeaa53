"""`plot_model` / `model_to_dot`: a model's graph drawn with pydot and Graphviz's `dot`,
node for node and label for label as Keras 3.15 draws it."""

from __future__ import annotations

import difflib
import html
import os
from typing import TYPE_CHECKING, Any

import pydot

from pykeras.saving import registry
from pykeras.utils.summary import functional_graph

if TYPE_CHECKING:
    from pykeras.engine.typing import ShapeLike

_PLOT_ARGS = (
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
    "splines",
)


class UnrecognizedArgumentError(TypeError, ValueError):
    """An unknown keyword argument: a `TypeError` as Python raises for any call,
    and a `ValueError` as Keras raises for this one."""


def _check_kwargs(function: str, kwargs: Any, known: Any) -> None:
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        key = next(iter(kwargs))
        hint = difflib.get_close_matches(key, known, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise UnrecognizedArgumentError(
            f"{function}() got an unexpected keyword argument '{key}'.{suggestion} "
            f"Unrecognized keyword arguments: {kwargs}"
        )


def _check_built(model: Any) -> None:
    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data."
        )


def _first_call(layer: Any) -> Any:
    """`(input shapes, output shapes, output dtypes)` of the layer's first call
    (what Keras reads from `layer.input` / `layer.output`), or Nones."""
    if not layer._inbound_nodes:
        return None, None, None
    node = layer._inbound_nodes[0]

    def one_or_list(values: Any) -> Any:
        return values[0] if len(values) == 1 else values

    ins = one_or_list([tuple(t.shape) for t in node.input_tensors])
    outs = one_or_list([tuple(t.shape) for t in node.output_tensors])
    dtypes = one_or_list([t.dtype for t in node.output_tensors])
    return ins, outs, dtypes


def _format_shape(shape: ShapeLike) -> Any:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _activation_name(activation: Any) -> Any:
    for attr in ("name", "__name__"):
        if hasattr(activation, attr):
            return getattr(activation, attr)
    return str(activation)


def make_layer_label(
    layer: Any,
    show_layer_names: bool,
    show_layer_activations: bool,
    show_dtype: bool,
    show_shapes: bool,
    show_trainable: bool,
) -> str:
    """The layer's node label: an HTML-like table with its name and the details asked for."""
    esc = html.escape
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = (
        f"<b>{esc(layer.name)}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    )
    table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    table += (
        f'<tr><td colspan="{colspan}" bgcolor="black">'
        f'<font point-size="16" color="white">{title}</font></td></tr>'
    )
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (
            f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
            f"Activation: <b>{esc(_activation_name(layer.activation))}</b></font></td></tr>"
        )
    input_shape, output_shape, dtype = _first_call(layer)
    cell = '<td bgcolor="white"><font point-size="14">{}: <b>{}</b></font></td>'
    cols = []
    if show_shapes:
        if class_name != "InputLayer":
            cols.append(cell.format("Input shape", esc(_format_shape(input_shape))))
        cols.append(cell.format("Output shape", esc(_format_shape(output_shape))))
    if show_dtype:
        cols.append(cell.format("Output dtype", esc(str(dtype or "?"))))
    if show_trainable and layer.weights:
        color, text = ("forestgreen", "Trainable") if layer.trainable else (
            "firebrick", "Non-trainable")  # fmt: skip
        cols.append(
            f'<td bgcolor="{color}"><font point-size="14" color="white"><b>{text}</b></font></td>'
        )
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _make_node(pydot: Any, layer: Any, options: Any) -> Any:
    node = pydot.Node(str(id(layer)), label=make_layer_label(layer, **options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(pydot: Any, dot: Any, src: Any, dst: Any) -> None:
    src_id, dst_id = str(id(src)), str(id(dst))
    if not dot.get_edge(src_id, dst_id):
        edge = pydot.Edge(src_id, dst_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """The model's graph as a `pydot.Dot` (see `plot_model` for the arguments).

    Args:
        subgraph: return a dashed `pydot.Cluster` labelled with the model's
            name instead (how `expand_nested` draws a nested model).

    A subclassed model is drawn as a single node, as Keras draws it.
    """
    models = registry.models()
    Functional, Sequential = models.Functional, models.Sequential
    _check_built(model)
    _check_kwargs("model_to_dot", kwargs, ("subgraph",) + _PLOT_ARGS[2:])
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of TB, LR, BT, RL. Received: rankdir={rankdir!r}")
    dot: pydot.Dot | pydot.Cluster
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = {
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_dtype": show_dtype,
        "show_shapes": show_shapes,
        "show_trainable": show_trainable,
    }
    is_functional = isinstance(model, Functional) and not isinstance(model, Sequential)
    is_model = (Functional, Sequential)
    model_nodes = None
    if isinstance(model, Sequential):
        layers = model.layers
    elif not is_functional:
        dot.add_node(_make_node(pydot, model, options))
        return dot
    else:
        nodes_by_depth, layers = functional_graph(model)
        model_nodes = {id(n) for same in nodes_by_depth.values() for n in same}

    for layer in layers:
        if expand_nested and isinstance(layer, is_model):
            dot.add_subgraph(
                model_to_dot(
                    layer, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
                    subgraph=True, show_layer_activations=show_layer_activations,
                    show_trainable=show_trainable,
                )
            )  # fmt: skip
        else:
            dot.add_node(_make_node(pydot, layer, options))

    if isinstance(model, Sequential):
        if not expand_nested:
            for src, dst in zip(layers, layers[1:]):
                _add_edge(pydot, dot, src, dst)
            return dot
        # The first layer's edge comes from outside, drawn with the model's own edge.
        layers = layers[1:]

    for layer in layers:
        for node in layer._inbound_nodes:
            if model_nodes is not None and id(node) not in model_nodes:
                continue  # a call outside this model
            for input_index, tensor in enumerate(node.input_tensors):
                source, _, output_index = tensor._keras_history
                destination = layer
                if expand_nested:
                    # Edges into and out of an expanded model attach to its layers.
                    while isinstance(source, is_model):
                        source, _, output_index = source.outputs[output_index]._keras_history
                    while isinstance(destination, is_model):
                        if isinstance(destination, Sequential):
                            destination = destination.layers[0]
                        else:
                            destination = destination.inputs[input_index]._keras_history[0]
                _add_edge(pydot, dot, source, destination)
    return dot


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draws the model's graph to an image file.

    Args:
        model: the model to draw (built).
        to_file: the output path; its extension picks Graphviz's output format
            (`.png` when there is none; also `.svg`, `.pdf`, `.jpg`, `.dot`, ...).
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's output dtype.
        show_layer_names: show layer names as well as types (off by default,
            as in Keras 3).
        rankdir: `"TB"` (top to bottom), `"LR"` (left to right), `"BT"` or `"RL"`.
        expand_nested: draw the layers of nested models inside a dashed box
            labelled with the model's name.
        dpi: the image resolution.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: mark layers with weights as trainable or not.
        splines: how edges are drawn: `"ortho"` (right angles, the default),
            `"curved"`, `"polyline"`, `"spline"` or `"line"`.

    Returns:
        When IPython is installed, what a notebook shows inline: an
        `IPython.display.Image` for a PNG or JPEG file, an
        `IPython.display.SVG` for an SVG file; else (and for other formats)
        None. The file is written either way.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> image = plot_model(model, to_file="model.png", show_shapes=True)
    """
    _check_built(model)
    _check_kwargs("plot_model", kwargs, _PLOT_ARGS)
    to_file = str(to_file)
    fmt = os.path.splitext(to_file)[1][1:].lower() or "png"
    if fmt not in pydot.Dot().formats:
        raise ValueError(
            f"plot_model writes the formats Graphviz knows ({', '.join(pydot.Dot().formats)}); "
            f"the file's extension picks one. Received: to_file={to_file!r}"
        )
    dot = model_to_dot(
        model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
        rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
        show_layer_activations=show_layer_activations, show_trainable=show_trainable,
        splines=splines,
    )  # fmt: skip
    try:
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
    # Keras returns the image for a notebook to show; its `Image` raises for SVG,
    # which is returned here as IPython's `SVG` so that it shows inline too. The
    # formats a notebook cannot show inline (PDF, dot source, ...) give None.
    if fmt not in ("png", "jpg", "jpeg", "jpe", "svg"):
        return None
    try:
        from IPython import display  # optional dependency: a notebook's display
    except ImportError:
        return None
    if fmt == "svg":
        return display.SVG(data=data)
    return display.Image(filename=to_file, format="png" if fmt == "png" else "jpeg")
