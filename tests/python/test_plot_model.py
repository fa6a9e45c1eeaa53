"""`plot_model` with the real Graphviz `dot`: file formats, labels and options.

The expected graphs at the end of this file were drawn by Keras 3.15.1's
`model_to_dot`; pykeras must give the same nodes, labels, edges and clusters."""

# ruff: noqa: E501  (Keras's labels are long HTML-like tables)

import inspect
import re
import shutil
import struct

import pytest

import pykeras as keras
from pykeras import layers
from pykeras.utils import model_to_dot, plot_model


def test_graphviz_dot_is_installed():
    # The rest of this file renders with the real program (tests/run.sh installs it).
    assert shutil.which("dot"), "Graphviz's `dot` must be on the PATH for these tests"


def two_input_model():
    a = keras.Input(shape=(4,), name="left_in")
    b = keras.Input(shape=(6,), name="right_in")
    merged = layers.Concatenate(name="joined")([a, b])
    hidden = layers.Dense(8, activation="relu", name="hidden")(merged)
    out = layers.Dense(2, activation="softmax", name="probs")(hidden)
    return keras.Model([a, b], out, name="two_inputs")


def mlp():
    return keras.Sequential(
        [keras.Input((3,)), layers.Dense(5, activation="tanh", name="first"),
         layers.Dense(2, name="second")],
        name="mlp",
    )  # fmt: skip


def nested_model():
    inner = keras.Sequential(
        [keras.Input((3,)), layers.Dense(4, name="inner_dense")], name="inner_block"
    )
    inputs = keras.Input((3,), name="x")
    outputs = layers.Dense(1, name="head")(inner(inputs))
    return keras.Model(inputs, outputs, name="outer")


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def dot_source(model, **kwargs):
    """The Graphviz source plot_model renders, for the same arguments."""
    kwargs.setdefault("show_layer_names", False)  # plot_model's default, as in Keras 3
    return model_to_dot(model, **kwargs).to_string()


def edges(source):
    return re.findall(r"(\d+) -> (\d+)", source)


# ------------------------------------------------------------------ formats


def test_png(tmp_path):
    path = tmp_path / "model.png"
    shown = plot_model(two_input_model(), to_file=str(path))
    # As in Keras, the image comes back for a notebook to show when IPython is installed.
    try:
        from IPython.display import Image
    except ImportError:
        assert shown is None
    else:
        assert isinstance(shown, Image)
    width, height = png_size(path)
    assert width > 50 and height > 50
    assert path.read_bytes().rstrip().endswith(b"IEND\xaeB`\x82")


def test_svg_has_the_layer_names_and_shapes(tmp_path):
    path = tmp_path / "model.svg"
    plot_model(two_input_model(), to_file=str(path), show_shapes=True, show_layer_names=True)
    text = path.read_text()
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in text and text.rstrip().endswith("</svg>")
    for name in ("left_in", "right_in", "joined", "hidden", "probs"):
        assert name in text
    assert "(None, 10)" in text
    assert "(None, 2)" in text


def test_pdf(tmp_path):
    path = tmp_path / "model.pdf"
    plot_model(mlp(), to_file=str(path))
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"%%EOF" in data[-64:]


def test_jpg(tmp_path):
    path = tmp_path / "model.jpg"
    plot_model(mlp(), to_file=str(path))
    data = path.read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    assert data.rstrip()[-2:] == b"\xff\xd9"


def test_dot_file_is_graphviz_layout(tmp_path):
    # As in Keras, a .dot file is what `dot -Tdot` makes: the graph with its layout.
    path = tmp_path / "model.dot"
    plot_model(two_input_model(), to_file=str(path), show_layer_names=True)
    text = path.read_text()
    assert text.startswith("digraph")
    assert "pos=" in text
    assert "<b>joined</b> (Concatenate)" in text


def test_no_extension_means_png(tmp_path):
    path = tmp_path / "model"
    plot_model(mlp(), to_file=str(path))
    png_size(path)


def test_dot_source_lists_every_layer_and_edge():
    source = dot_source(two_input_model(), show_layer_names=True)
    assert source.startswith("digraph")
    for label in (
        "<b>left_in</b> (InputLayer)",
        "<b>right_in</b> (InputLayer)",
        "<b>joined</b> (Concatenate)",
        "<b>hidden</b> (Dense)",
        "<b>probs</b> (Dense)",
    ):
        assert label in source
    # left_in -> joined, right_in -> joined, joined -> hidden, hidden -> probs.
    assert len(edges(source)) == 4
    assert "Output shape" not in source  # show_shapes is off by default


def test_sequential_is_drawn_as_a_chain():
    source = dot_source(mlp(), show_layer_names=True)
    assert "<b>first</b> (Dense)" in source and "<b>second</b> (Dense)" in source
    assert len(edges(source)) == 1
    first_id = re.search(r"(\d+) \[label=<.*<b>first</b> \(Dense\)", source).group(1)
    second_id = re.search(r"(\d+) \[label=<.*<b>second</b> \(Dense\)", source).group(1)
    assert (first_id, second_id) in edges(source)


def test_unknown_extension_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"png"):
        plot_model(mlp(), to_file=str(tmp_path / "model.bmpx"))
    assert list(tmp_path.iterdir()) == []


def test_to_file_accepts_a_path_object(tmp_path):
    path = tmp_path / "model.png"
    plot_model(mlp(), to_file=path)
    png_size(path)


# ------------------------------------------------------------------ options


def test_show_shapes_gives_input_and_output_shapes():
    source = dot_source(two_input_model(), show_shapes=True)
    assert "Output shape: <b>(None, 4)</b>" in source
    assert "Input shape: <b>[(None, 4), (None, 6)]</b>" in source
    assert "Output shape: <b>(None, 10)</b>" in source
    assert "Input shape: <b>(None, 10)</b>" in source
    assert "Output shape: <b>(None, 8)</b>" in source
    # An InputLayer has no input shape.
    assert source.count("Input shape") == 3


def test_show_layer_names_false_keeps_only_the_types():
    source = dot_source(two_input_model(), show_layer_names=False)
    assert "hidden" not in source
    assert "<b>Dense</b>" in source and "<b>Concatenate</b>" in source


def test_signatures_match_keras():
    # Keras 3: plot_model hides layer names by default, model_to_dot shows them.
    params = inspect.signature(plot_model).parameters
    assert params["show_layer_names"].default is False
    assert params["splines"].default == "ortho"
    assert list(params)[:11] == [
        "model", "to_file", "show_shapes", "show_dtype", "show_layer_names", "rankdir",
        "expand_nested", "dpi", "show_layer_activations", "show_trainable", "splines",
    ]  # fmt: skip
    params = inspect.signature(model_to_dot).parameters
    assert params["show_layer_names"].default is True
    assert list(params)[:11] == [
        "model", "show_shapes", "show_dtype", "show_layer_names", "rankdir", "expand_nested",
        "dpi", "subgraph", "show_layer_activations", "show_trainable", "splines",
    ]  # fmt: skip


def test_splines(tmp_path):
    assert "splines=ortho" in dot_source(mlp())
    assert "splines=curved" in dot_source(mlp(), splines="curved")
    path = tmp_path / "curved.png"
    plot_model(two_input_model(), to_file=str(path), splines="curved")
    png_size(path)


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
def test_rankdir(rankdir):
    source = dot_source(mlp(), rankdir=rankdir)
    assert f"rankdir={rankdir}" in source


def test_rankdir_changes_the_rendered_orientation(tmp_path):
    tall = tmp_path / "tb.png"
    wide = tmp_path / "lr.png"
    model = keras.Sequential(
        [keras.Input((3,))] + [layers.Dense(2, name=f"d{i}") for i in range(4)]
    )
    plot_model(model, to_file=str(tall), rankdir="TB")
    plot_model(model, to_file=str(wide), rankdir="LR")
    tb_w, tb_h = png_size(tall)
    lr_w, lr_h = png_size(wide)
    assert tb_h > tb_w
    assert lr_w > lr_h


def test_invalid_rankdir_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        plot_model(mlp(), to_file=str(tmp_path / "m.png"), rankdir="UP")


def test_dpi_sets_the_resolution(tmp_path):
    low = tmp_path / "low.png"
    high = tmp_path / "high.png"
    plot_model(mlp(), to_file=str(low), dpi=50)
    plot_model(mlp(), to_file=str(high), dpi=200)
    low_w, low_h = png_size(low)
    high_w, high_h = png_size(high)
    assert high_w == pytest.approx(4 * low_w, rel=0.1)
    assert high_h == pytest.approx(4 * low_h, rel=0.1)
    assert "dpi=96" in dot_source(mlp(), dpi=96)


def test_show_layer_activations():
    source = dot_source(two_input_model(), show_layer_activations=True)
    assert "Activation: <b>relu</b>" in source
    assert "Activation: <b>softmax</b>" in source
    # Dense without an activation argument has the linear one.
    assert dot_source(mlp(), show_layer_activations=True).count("Activation:") == 2
    assert "Activation" not in dot_source(two_input_model())


def test_show_trainable():
    model = mlp()
    model.get_layer("second").trainable = False
    source = dot_source(model, show_trainable=True, show_layer_names=True)
    first = re.search(r"<b>first</b> \(Dense\).*?</table>", source).group(0)
    second = re.search(r"<b>second</b> \(Dense\).*?</table>", source).group(0)
    assert "<b>Trainable</b>" in first
    assert "<b>Non-trainable</b>" in second
    assert "Trainable" not in dot_source(model)


def test_show_dtype():
    assert "Output dtype: <b>float32</b>" in dot_source(mlp(), show_dtype=True)
    assert "float32" not in dot_source(mlp())


def test_nested_model_is_one_node_without_expand_nested():
    source = dot_source(nested_model(), show_layer_names=True)
    assert "<b>inner_block</b> (Sequential)" in source
    assert "inner_dense" not in source


def test_expand_nested_draws_the_inner_layers_in_a_cluster(tmp_path):
    source = dot_source(nested_model(), expand_nested=True, show_layer_names=True)
    assert "subgraph cluster_inner_block" in source
    assert "style=dashed" in source
    assert "<b>inner_dense</b> (Dense)" in source
    assert "(Sequential)" not in source
    path = tmp_path / "nested.svg"
    plot_model(nested_model(), to_file=str(path), expand_nested=True, show_layer_names=True)
    svg = path.read_text()
    assert "inner_dense" in svg
    assert 'class="cluster"' in svg and "inner_block" in svg


def test_subclassed_model_is_one_node():
    class TwoLayer(keras.Model):
        def __init__(self):
            super().__init__(name="two_layer")
            self.hidden = layers.Dense(8, name="sub_hidden")
            self.head = layers.Dense(2, name="sub_head")

        def call(self, inputs):
            return self.head(self.hidden(inputs))

    model = TwoLayer()
    model.build((None, 5))
    source = dot_source(model, show_layer_names=True)
    assert "<b>two_layer</b> (TwoLayer)" in source
    assert "sub_hidden" not in source and not edges(source)


def test_unbuilt_model_is_a_value_error(tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        plot_model(model, to_file=str(tmp_path / "m.png"))
    with pytest.raises(ValueError, match="not yet been built"):
        model_to_dot(model)


def test_model_to_dot_returns_a_pydot_graph():
    dot = model_to_dot(two_input_model(), show_shapes=True)
    assert dot.get("rankdir") == "TB"
    assert len(dot.get_nodes()) >= 5
    assert len(dot.get_edges()) == 4


# ------------------------------------------------------------------ errors


def test_typo_keyword_is_a_type_error_with_a_suggestion(tmp_path):
    path = tmp_path / "model.png"
    with pytest.raises(TypeError, match=r"'show_layer_name'.*Did you mean 'show_layer_names'\?"):
        plot_model(mlp(), to_file=str(path), show_layer_name=True)
    with pytest.raises(TypeError, match=r"'show_shape'.*Did you mean 'show_shapes'\?"):
        plot_model(mlp(), to_file=str(path), show_shape=True)
    # Keras raises ValueError for these: the error is both.
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        plot_model(mlp(), to_file=str(path), show_shape=True)
    with pytest.raises(ValueError, match="`layer_range` is no longer supported"):
        plot_model(mlp(), to_file=str(path), layer_range=["first", "second"])
    assert not path.exists()


def test_missing_dot_program_is_an_import_error(tmp_path, monkeypatch):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
    path = tmp_path / "model.png"
    with pytest.raises(ImportError, match="Graphviz"):
        plot_model(mlp(), to_file=str(path))
    # Nothing half-written is left behind.
    assert list(tmp_path.iterdir()) == [empty]


# ------------------------------------------------------------------ exact Keras graphs


def nested_functional():
    i = keras.Input((4,), name="ii")
    j = keras.Input((2,), name="jj")
    h = layers.Concatenate(name="cj")([i, j])
    inner = keras.Model([i, j], [layers.Dense(2, name="o1")(h), layers.Dense(3, name="o2")(h)],
                        name="two_out")  # fmt: skip
    x = keras.Input((4,), name="xx")
    y = keras.Input((2,), name="yy")
    p, q = inner([x, y])
    return keras.Model([x, y], layers.Concatenate(name="cc")([p, q]), name="uses_two_out")


def frozen_mlp():
    model = mlp()
    model.get_layer("second").trainable = False
    return model


def structure(dot, model):
    """The graph's nodes (layer name -> label), edges and clusters, by layer name."""
    names = {}

    def collect(layer):
        names[str(id(layer))] = layer.name
        for sublayer in getattr(layer, "layers", None) or []:
            collect(sublayer)

    collect(model)

    def walk(graph):
        nodes = {names[n.get_name()]: n.get("label") for n in graph.get_nodes()
                 if n.get_name() in names}  # fmt: skip
        edges = [(names[e.get_source()], names[e.get_destination()]) for e in graph.get_edges()]
        clusters = {sub.get_name(): walk(sub) for sub in graph.get_subgraphs()}
        return {"nodes": nodes, "edges": edges, **({"clusters": clusters} if clusters else {})}

    return walk(dot)


# Drawn by Keras 3.15.1 (JAX backend): structure(keras.utils.model_to_dot(model, **kwargs), model)
# for the same models built with keras instead of pykeras.

TWO_INPUTS_ALL_DETAILS = {
    "nodes": {
        "left_in": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>left_in</b> (InputLayer)</font></td></tr><tr><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 4)</b></font></td><td bgcolor="white"><font point-size="14">Output dtype: <b>float32</b></font></td></tr></table>>',
        "right_in": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>right_in</b> (InputLayer)</font></td></tr><tr><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 6)</b></font></td><td bgcolor="white"><font point-size="14">Output dtype: <b>float32</b></font></td></tr></table>>',
        "joined": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>joined</b> (Concatenate)</font></td></tr><tr><td bgcolor="white"><font point-size="14">Input shape: <b>[(None, 4), (None, 6)]</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 10)</b></font></td><td bgcolor="white"><font point-size="14">Output dtype: <b>float32</b></font></td></tr></table>>',
        "hidden": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>hidden</b> (Dense)</font></td></tr><tr><td bgcolor="white" colspan="4"><font point-size="14">Activation: <b>relu</b></font></td></tr><tr><td bgcolor="white"><font point-size="14">Input shape: <b>(None, 10)</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 8)</b></font></td><td bgcolor="white"><font point-size="14">Output dtype: <b>float32</b></font></td><td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td></tr></table>>',
        "probs": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="4" bgcolor="black"><font point-size="16" color="white"><b>probs</b> (Dense)</font></td></tr><tr><td bgcolor="white" colspan="4"><font point-size="14">Activation: <b>softmax</b></font></td></tr><tr><td bgcolor="white"><font point-size="14">Input shape: <b>(None, 8)</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 2)</b></font></td><td bgcolor="white"><font point-size="14">Output dtype: <b>float32</b></font></td><td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td></tr></table>>',
    },
    "edges": [
        ("left_in", "joined"),
        ("right_in", "joined"),
        ("joined", "hidden"),
        ("hidden", "probs"),
    ],
}

FROZEN_MLP = {
    "nodes": {
        "first": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>Dense</b></font></td></tr><tr><td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td></tr></table>>',
        "second": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>Dense</b></font></td></tr><tr><td bgcolor="firebrick"><font point-size="14" color="white"><b>Non-trainable</b></font></td></tr></table>>',
    },
    "edges": [("first", "second")],
}

NESTED_EXPANDED = {
    "nodes": {
        "x": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>x</b> (InputLayer)</font></td></tr><tr><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 3)</b></font></td></tr></table>>',
        "head": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>head</b> (Dense)</font></td></tr><tr><td bgcolor="white"><font point-size="14">Input shape: <b>(None, 4)</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 1)</b></font></td></tr></table>>',
    },
    "edges": [("x", "inner_dense"), ("inner_dense", "head")],
    "clusters": {
        "cluster_inner_block": {
            "nodes": {
                "inner_dense": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>inner_dense</b> (Dense)</font></td></tr><tr><td bgcolor="white"><font point-size="14">Input shape: <b>(None, 3)</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 4)</b></font></td></tr></table>>',
            },
            "edges": [],
        },
    },
}

NESTED_FUNCTIONAL_EXPANDED = {
    "nodes": {
        "xx": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>xx</b> (InputLayer)</font></td></tr></table>>',
        "yy": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>yy</b> (InputLayer)</font></td></tr></table>>',
        "cc": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>cc</b> (Concatenate)</font></td></tr></table>>',
    },
    "edges": [("xx", "ii"), ("yy", "jj"), ("o1", "cc"), ("o2", "cc")],
    "clusters": {
        "cluster_two_out": {
            "nodes": {
                "ii": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>ii</b> (InputLayer)</font></td></tr></table>>',
                "jj": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>jj</b> (InputLayer)</font></td></tr></table>>',
                "cj": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>cj</b> (Concatenate)</font></td></tr></table>>',
                "o1": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>o1</b> (Dense)</font></td></tr></table>>',
                "o2": '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="1" bgcolor="black"><font point-size="16" color="white"><b>o2</b> (Dense)</font></td></tr></table>>',
            },
            "edges": [("ii", "cj"), ("jj", "cj"), ("cj", "o1"), ("cj", "o2")],
        },
    },
}

KERAS_GRAPHS = [
    ("TWO_INPUTS_ALL_DETAILS", two_input_model,
     {"show_shapes": True, "show_dtype": True, "show_trainable": True,
      "show_layer_activations": True}),
    ("FROZEN_MLP", frozen_mlp, {"show_layer_names": False, "show_trainable": True}),
    ("NESTED_EXPANDED", nested_model, {"expand_nested": True, "show_shapes": True}),
    ("NESTED_FUNCTIONAL_EXPANDED", nested_functional, {"expand_nested": True}),
]  # fmt: skip


@pytest.mark.parametrize("name, build, kwargs", KERAS_GRAPHS, ids=[c[0] for c in KERAS_GRAPHS])
def test_graph_is_exactly_keras(name, build, kwargs):
    model = build()
    assert structure(model_to_dot(model, **kwargs), model) == globals()[name]


def test_graph_attributes_are_keras(tmp_path):
    dot = model_to_dot(mlp())
    assert dot.get("rankdir") == "TB"
    assert dot.get("dpi") == 200
    assert dot.get("splines") == "ortho"
    assert "node [shape=record];" in dot.to_string()
    assert "[penwidth=2]" in dot.to_string()
