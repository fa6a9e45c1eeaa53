"""`model.summary()` against Keras 3's table: columns, shapes, parameter counts
and the totals with their memory sizes.

The tables at the end of this file were printed by Keras 3.15.1; pykeras must
print the same text, character for character."""

# ruff: noqa: E501  (Keras's tables are up to 120 columns wide)

import re

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    # Keras caps the default width at the terminal's width minus 4; a wide
    # terminal gives the full default widths (88, 108, +12 with show_trainable).
    monkeypatch.setenv("COLUMNS", "200")


def summary_text(model, **kwargs):
    """The summary as one string, captured through print_fn."""
    captured = []
    model.summary(print_fn=captured.append, **kwargs)
    return "\n".join(captured)


def table_rows(text):
    """The data rows of the table: lists of stripped cells (wrapped lines kept apart)."""
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


def row_for(text, name):
    for row in table_rows(text):
        label = row[0].removeprefix("└ ")  # a nested model's layer
        if label.startswith(name + " ") or label.split("(")[0].strip() == name:
            return row
    raise AssertionError(f"no row for {name!r} in:\n{text}")


def table_lines(text):
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│├└"]


def mlp():
    return keras.Sequential(
        [keras.Input(shape=(3,)), layers.Dense(64, activation="relu", name="hidden"),
         layers.Dense(10, name="logits")],
        name="mlp",
    )  # fmt: skip


# ------------------------------------------------------------------ Sequential


def test_sequential_summary_layout_and_totals():
    text = summary_text(mlp())
    lines = text.splitlines()
    assert lines[0] == 'Model: "mlp"'
    header = next(line for line in lines if line.startswith("┃"))
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "Layer (type)",
        "Output Shape",
        "Param #",
    ]
    assert "Connected to" not in text
    assert row_for(text, "hidden") == ["hidden (Dense)", "(None, 64)", "256"]
    assert row_for(text, "logits") == ["logits (Dense)", "(None, 10)", "650"]
    # Keras lists a Sequential's layers without its InputLayer.
    assert "InputLayer" not in text
    assert lines[-3:] == [
        " Total params: 906 (3.54 KB)",
        " Trainable params: 906 (3.54 KB)",
        " Non-trainable params: 0 (0.00 B)",
    ]


def test_summary_box_drawing_matches_keras():
    lines = table_lines(summary_text(mlp()))
    assert lines[0].startswith("┏") and lines[0].endswith("┓")
    assert lines[2].startswith("┡") and lines[2].endswith("┩")
    assert lines[-1].startswith("└") and lines[-1].endswith("┘")
    # Rows are separated by rules.
    assert sum(line.startswith("├") for line in lines) == 1
    # Every line of the table has the same width.
    assert len({len(line) for line in lines}) == 1
    # Parameter counts are right-aligned, names left-aligned.
    row = next(line for line in lines if "hidden" in line)
    cells = row.strip("│").split("│")
    assert cells[0].startswith(" hidden")
    assert cells[2].endswith("256 ")


def test_sequential_with_non_trainable_weights_and_a_frozen_layer():
    model = keras.Sequential(
        [keras.Input((8,)), layers.Dense(4, name="d"), layers.BatchNormalization(name="bn")],
        name="frozen",
    )
    model.get_layer("d").trainable = False
    text = summary_text(model)
    assert row_for(text, "bn")[2] == "16"
    # Dense: 36 frozen; BatchNormalization: 8 trainable, 8 moving statistics.
    assert " Total params: 52 (208.00 B)" in text
    assert " Trainable params: 8 (32.00 B)" in text
    assert " Non-trainable params: 44 (176.00 B)" in text


def test_unbuilt_sequential_shows_unknown_shapes_and_unbuilt_params():
    model = keras.Sequential([layers.Dense(4, name="a"), layers.Dense(2, name="b")])
    text = summary_text(model)
    assert row_for(text, "a")[1:] == ["?", "0 (unbuilt)"]
    assert " Total params: 0 (0.00 B)" in text
    model.build((None, 5))
    text = summary_text(model)
    assert row_for(text, "a")[1:] == ["(None, 4)", "24"]
    assert row_for(text, "b")[1:] == ["(None, 2)", "10"]
    assert " Total params: 34 (136.00 B)" in text


def test_memory_sizes_use_binary_units():
    model = keras.Sequential([keras.Input((784,)), layers.Dense(1000, name="big")])
    text = summary_text(model)
    # 785000 float32 weights = 3,140,000 bytes = 2.99 MiB.
    assert re.search(r" Total params: 785,?000 \(2\.99 MB\)", text)
    assert keras.utils.summary.readable_size(1023) == "1023.00 B"
    assert keras.utils.summary.readable_size(1024) == "1.00 KB"
    assert keras.utils.summary.readable_size(3 * 1024**3) == "3.00 GB"


def test_large_parameter_counts_have_thousands_separators():
    model = keras.Sequential([keras.Input((784,)), layers.Dense(1000, name="big")])
    text = summary_text(model)
    assert row_for(text, "big")[2] == "785,000"
    assert " Total params: 785,000 (2.99 MB)" in text


# ------------------------------------------------------------------ Functional


def two_input_model():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(6,), name="b")
    merged = layers.Concatenate(name="cat")([a, b])
    hidden = layers.Dense(8, activation="relu", name="hidden")(merged)
    out = layers.Dense(2, name="out")(hidden)
    return keras.Model([a, b], out, name="two_inputs")


def test_functional_with_several_inputs_has_a_connected_to_column():
    text = summary_text(two_input_model())
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "Layer (type)",
        "Output Shape",
        "Param #",
        "Connected to",
    ]
    assert row_for(text, "a") == ["a (InputLayer)", "(None, 4)", "0", "-"]
    assert row_for(text, "b") == ["b (InputLayer)", "(None, 6)", "0", "-"]
    cat = row_for(text, "cat")
    assert cat[:3] == ["cat (Concatenate)", "(None, 10)", "0"]
    connected = " ".join(row[3] for row in table_rows(text)[table_rows(text).index(cat) :][:2])
    assert "a[0][0]" in connected and "b[0][0]" in connected
    assert row_for(text, "hidden") == ["hidden (Dense)", "(None, 8)", "88", "cat[0][0]"]
    assert row_for(text, "out") == ["out (Dense)", "(None, 2)", "18", "hidden[0][0]"]
    assert " Total params: 106 (424.00 B)" in text


def test_functional_chain_prints_like_a_sequential_but_lists_its_input():
    inputs = keras.Input(shape=(3,), name="x")
    outputs = layers.Dense(2, name="y")(layers.Dense(4, name="h")(inputs))
    text = summary_text(keras.Model(inputs, outputs, name="chain"))
    assert "Connected to" not in text
    assert row_for(text, "x") == ["x (InputLayer)", "(None, 3)", "0"]
    assert row_for(text, "h") == ["h (Dense)", "(None, 4)", "16"]


def test_functional_with_a_shared_layer_shows_each_call():
    a = keras.Input(shape=(3,), name="left")
    b = keras.Input(shape=(3,), name="right")
    shared = layers.Dense(2, name="shared")
    out = layers.Add(name="sum")([shared(a), shared(b)])
    text = summary_text(keras.Model([a, b], out))
    assert "Connected to" in text
    # Keras counts a shared layer's weights once.
    assert " Total params: 8 (32.00 B)" in text
    assert [row[0] for row in table_rows(text)].count("shared (Dense)") == 1


def test_multi_output_functional():
    inputs = keras.Input(shape=(5,), name="x")
    h = layers.Dense(4, name="h")(inputs)
    model = keras.Model(inputs, [layers.Dense(1, name="p")(h), layers.Dense(3, name="q")(h)])
    text = summary_text(model)
    assert row_for(text, "p")[1:3] == ["(None, 1)", "5"]
    assert row_for(text, "q")[1:3] == ["(None, 3)", "15"]
    assert row_for(text, "q")[3] == "h[0][0]"


# ------------------------------------------------------------------ Subclassed


class TwoLayer(keras.Model):
    def __init__(self):
        super().__init__(name="two_layer")
        self.hidden = layers.Dense(8, activation="relu", name="sub_hidden")
        self.head = layers.Dense(2, name="sub_head")

    def call(self, inputs):
        return self.head(self.hidden(inputs))


def test_subclassed_model_after_build_shows_real_shapes():
    model = TwoLayer()
    model.build((None, 5))
    text = summary_text(model)
    assert "multiple" not in text
    assert "?" not in text
    assert "unbuilt" not in text
    assert row_for(text, "sub_hidden") == ["sub_hidden (Dense)", "(None, 8)", "48"]
    assert row_for(text, "sub_head") == ["sub_head (Dense)", "(None, 2)", "18"]
    assert " Total params: 66 (264.00 B)" in text


def test_subclassed_model_built_by_calling_it_on_data():
    model = TwoLayer()
    model(np.ones((3, 7), np.float32))
    text = summary_text(model)
    assert "?" not in text and "multiple" not in text
    assert row_for(text, "sub_hidden")[1:] == ["(None, 8)", "64"]


def test_subclassed_model_before_build_says_unbuilt():
    text = summary_text(TwoLayer())
    assert row_for(text, "sub_hidden")[1:] == ["?", "0 (unbuilt)"]
    assert " Total params: 0 (0.00 B)" in text


# ------------------------------------------------------------------ nested


def nested_model():
    inner = keras.Sequential(
        [keras.Input((3,)), layers.Dense(4, name="inner_dense"), layers.ReLU(name="inner_relu")],
        name="inner",
    )
    inputs = keras.Input((3,), name="x")
    outputs = layers.Dense(1, name="head")(inner(inputs))
    return keras.Model(inputs, outputs, name="outer")


def test_nested_model_is_one_row_without_expand_nested():
    text = summary_text(nested_model())
    assert row_for(text, "inner") == ["inner (Sequential)", "(None, 4)", "16"]
    assert "inner_dense" not in text
    assert " Total params: 21 (84.00 B)" in text


def test_expand_nested_lists_the_inner_layers_indented_under_their_model():
    text = summary_text(nested_model(), expand_nested=True)
    names = [line.strip("│").split("│")[0] for line in text.splitlines() if line.startswith("│")]
    stripped = [n.strip() for n in names]
    inner_at = next(i for i, n in enumerate(stripped) if n.startswith("inner (Sequential)"))
    assert "inner_dense (Dense)" in stripped[inner_at + 1]
    assert "inner_relu (ReLU)" in stripped[inner_at + 2]
    assert stripped[inner_at + 3].startswith("head (Dense)")
    indent = len(names[inner_at + 1]) - len(names[inner_at + 1].lstrip())
    top_indent = len(names[inner_at]) - len(names[inner_at].lstrip())
    assert indent > top_indent
    assert row_for(text, "inner_dense")[1:] == ["(None, 4)", "16"]
    # Totals are not double counted.
    assert " Total params: 21 (84.00 B)" in text


# ------------------------------------------------------------------ options


def test_show_trainable_adds_a_column_with_y_and_n():
    model = mlp()
    model.get_layer("logits").trainable = False
    text = summary_text(model, show_trainable=True)
    plain = summary_text(model)
    assert "Trainable" not in table_lines(plain)[1]
    assert row_for(text, "hidden")[-1] == "Y"
    assert row_for(text, "logits")[-1] == "N"
    assert " Trainable params: 256 (1.00 KB)" in text
    assert " Non-trainable params: 650 (2.54 KB)" in text
    assert len(table_lines(text)[0]) > len(table_lines(plain)[0])


def test_show_trainable_header_fits_and_weightless_layers_show_a_dash():
    text = summary_text(two_input_model(), show_trainable=True)
    header = [line for line in text.splitlines() if line.startswith("┃")]
    assert len(header) == 1
    assert header[0].strip("┃").split("┃")[-1].strip() == "Trainable"
    assert row_for(text, "a")[-1] == "-"
    assert row_for(text, "cat")[-1] == "-"
    assert row_for(text, "hidden")[-1] == "Y"


def test_line_length_changes_the_table_width():
    wide = table_lines(summary_text(mlp(), line_length=120))
    narrow = table_lines(summary_text(mlp(), line_length=60))
    assert len(wide[0]) > 100
    assert len(narrow[0]) < 70
    assert len({len(line) for line in narrow}) == 1


def test_table_width_is_exactly_line_length():
    for kwargs in ({}, {"show_trainable": True}):
        for line in table_lines(summary_text(mlp(), line_length=70, **kwargs)):
            assert len(line) == 70, (kwargs, line)
    for line in table_lines(summary_text(mlp())):
        assert len(line) == 88


def test_positions_set_the_column_edges():
    text = summary_text(mlp(), line_length=80, positions=[0.5, 0.75, 1.0])
    top = table_lines(text)[0]
    edges = [i for i, ch in enumerate(top) if ch == "┳"]
    assert len(edges) == 2
    assert abs(edges[0] - 40) <= 1 and abs(edges[1] - 60) <= 1, edges
    # Absolute positions (as Keras 2 accepted) give the same layout.
    absolute = table_lines(summary_text(mlp(), line_length=80, positions=[40, 60, 80]))[0]
    assert absolute == top


def test_positions_with_the_wrong_number_of_columns_is_a_value_error():
    with pytest.raises(ValueError, match="positions"):
        mlp().summary(print_fn=lambda *_: None, positions=[0.5, 1.0])


def test_long_cells_wrap_inside_their_column():
    text = summary_text(mlp(), line_length=40)
    lines = table_lines(text)
    assert len({len(line) for line in lines}) == 1
    names = "".join(line.strip("│").split("│")[0].strip() for line in lines if "│" in line)
    assert "hidden" in names and "Dense" in names


def test_print_fn_receives_the_whole_summary_and_nothing_is_printed(capsys):
    captured = []
    mlp().summary(print_fn=captured.append)
    assert capsys.readouterr().out == ""
    text = "\n".join(captured)
    assert text.startswith('Model: "mlp"')
    assert "Total params: 906 (3.54 KB)" in text


def test_summary_prints_to_stdout_by_default(capsys):
    mlp().summary()
    out = capsys.readouterr().out
    assert 'Model: "mlp"' in out
    assert "hidden (Dense)" in out
    assert "Total params: 906 (3.54 KB)" in out


def test_layer_range_limits_the_rows():
    model = keras.Sequential(
        [keras.Input((3,))] + [layers.Dense(2, name=f"layer_{i}") for i in range(4)]
    )
    text = summary_text(model, layer_range=["layer_1", "layer_2"])
    names = [row[0] for row in table_rows(text)]
    assert names == ["layer_1 (Dense)", "layer_2 (Dense)"]


def test_layer_range_takes_regular_expressions_and_either_order():
    model = keras.Sequential(
        [keras.Input((3,))] + [layers.Dense(2, name=f"layer_{i}") for i in range(4)]
    )
    names = [row[0] for row in table_rows(summary_text(model, layer_range=["layer_3", "layer_1"]))]
    assert names == ["layer_1 (Dense)", "layer_2 (Dense)", "layer_3 (Dense)"]
    names = [row[0] for row in table_rows(summary_text(model, layer_range=("layer_[12]",) * 2))]
    assert names == ["layer_1 (Dense)", "layer_2 (Dense)"]
    # The totals stay those of the whole model.
    assert " Total params: 26 (104.00 B)" in summary_text(model, layer_range=["layer_1", "layer_1"])


@pytest.mark.parametrize(
    "layer_range, message",
    [
        (["nope", "hidden"], "do not match the layer names"),
        (["hidden"], "length 2"),
        (["hidden", 3], "string type only"),
    ],
)
def test_bad_layer_range_is_a_value_error(layer_range, message):
    with pytest.raises(ValueError, match=message):
        mlp().summary(print_fn=lambda *_: None, layer_range=layer_range)


def test_print_fn_is_called_once_with_the_whole_text():
    calls = []
    mlp().summary(print_fn=calls.append)
    assert len(calls) == 1
    assert calls[0] == MLP


def test_too_narrow_a_table_is_a_value_error():
    with pytest.raises(ValueError, match="Insufficient console width"):
        mlp().summary(print_fn=lambda *_: None, line_length=8)


def test_default_width_is_capped_by_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    assert {len(line) for line in table_lines(summary_text(mlp()))} == {66}
    # An explicit line_length is kept.
    assert {len(line) for line in table_lines(summary_text(mlp(), line_length=80))} == {80}


def test_optimizer_state_is_counted_once_the_optimizer_is_built():
    model = keras.Sequential(
        [keras.Input((3,)), layers.Dense(4, name="d1"), layers.Dense(1, name="d2")]
    )
    model.compile(optimizer="adam", loss="mse")
    assert "Optimizer params" not in summary_text(model)
    model.fit(np.ones((8, 3), np.float32), np.ones((8, 1), np.float32), epochs=1, verbose=0)
    text = summary_text(model)
    # Adam: iteration, learning rate, and two slots per weight (2 * 21).
    assert re.search(r" Total params: 65 \(", text)
    assert re.search(r" Optimizer params: 44 \(", text)


def test_nested_layers_are_prefixed_like_keras():
    text = summary_text(nested_model(), expand_nested=True)
    names = [row[0] for row in table_rows(text)]
    assert names == [
        "x (InputLayer)",
        "inner (Sequential)",
        "└ inner_dense (Dense)",
        "└ inner_relu (ReLU)",
        "head (Dense)",
    ]


# ------------------------------------------------------------------ exact Keras text


def cnn():
    return keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu", name="conv"),
         layers.MaxPooling2D(name="pool"), layers.Flatten(name="flat"),
         layers.Dropout(0.5, name="drop"), layers.Dense(10, activation="softmax", name="out")],
        name="cnn",
    )  # fmt: skip


def branching_model():
    # Made in an order (side branch first) that differs from Keras's row order.
    x = keras.Input((4,), name="x")
    side = layers.Dense(3, name="side")(x)
    a1 = layers.Dense(5, name="a1")(x)
    a2 = layers.Dense(3, name="a2")(a1)
    return keras.Model(x, layers.Add(name="add")([a2, side]), name="branch")


def three_inputs():
    ins = [keras.Input((3,), name=f"{n}_input_tensor") for n in ("first", "second", "third")]
    return keras.Model(ins, layers.Concatenate(name="concatenate_three")(ins), name="three")


def long_names():
    return keras.Sequential(
        [keras.Input((3,)), layers.Dense(2, name="a_really_long_layer_name_that_will_not_fit"),
         layers.Dense(2, name="short name with spaces")],
        name="long",
    )  # fmt: skip


def shared_model():
    a = keras.Input(shape=(3,), name="left")
    b = keras.Input(shape=(3,), name="right")
    shared = layers.Dense(2, name="shared")
    return keras.Model([a, b], layers.Add(name="sum")([shared(a), shared(b)]), name="shared")


def big():
    return keras.Sequential([keras.Input((784,)), layers.Dense(1000, name="big")], name="big")


# Printed by Keras 3.15.1 (JAX backend, COLUMNS=200) with print_fn=captured.append, for
# the same models built with keras instead of pykeras.

MLP = (  # summary()
    'Model: "mlp"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩\n"
    "│ hidden (Dense)                       │ (None, 64)                  │             256 │\n"
    "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤\n"
    "│ logits (Dense)                       │ (None, 10)                  │             650 │\n"
    "└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘\n"
    " Total params: 906 (3.54 KB)\n"
    " Trainable params: 906 (3.54 KB)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

MLP_TRAINABLE = (  # summary(show_trainable=True)
    'Model: "mlp"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓\n"
    "┃ Layer (type)                          ┃ Output Shape                  ┃        Param # ┃ Traina… ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩\n"
    "│ hidden (Dense)                        │ (None, 64)                    │            256 │    Y    │\n"
    "├───────────────────────────────────────┼───────────────────────────────┼────────────────┼─────────┤\n"
    "│ logits (Dense)                        │ (None, 10)                    │            650 │    Y    │\n"
    "└───────────────────────────────────────┴───────────────────────────────┴────────────────┴─────────┘\n"
    " Total params: 906 (3.54 KB)\n"
    " Trainable params: 906 (3.54 KB)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

MLP_40_TRAINABLE = (  # summary(line_length=40, show_trainable=True)
    'Model: "mlp"\n'
    "┏━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━┳━━━┓\n"
    "┃               ┃ Output    ┃ Par… ┃   ┃\n"
    "┃ Layer (type)  ┃ Shape     ┃    # ┃ … ┃\n"
    "┡━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━╇━━━┩\n"
    "│ hidden        │ (None,    │  256 │ Y │\n"
    "│ (Dense)       │ 64)       │      │   │\n"
    "├───────────────┼───────────┼──────┼───┤\n"
    "│ logits        │ (None,    │  650 │ Y │\n"
    "│ (Dense)       │ 10)       │      │   │\n"
    "└───────────────┴───────────┴──────┴───┘\n"
    " Total params: 906 (3.54 KB)\n"
    " Trainable params: 906 (3.54 KB)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

BIG = (  # summary()
    'Model: "big"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩\n"
    "│ big (Dense)                          │ (None, 1000)                │         785,000 │\n"
    "└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘\n"
    " Total params: 785,000 (2.99 MB)\n"
    " Trainable params: 785,000 (2.99 MB)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

TWO_INPUTS = (  # summary()
    'Model: "two_inputs"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to               ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩\n"
    "│ a (InputLayer)                │ (None, 4)                 │               0 │ -                          │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ b (InputLayer)                │ (None, 6)                 │               0 │ -                          │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ cat (Concatenate)             │ (None, 10)                │               0 │ a[0][0], b[0][0]           │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ hidden (Dense)                │ (None, 8)                 │              88 │ cat[0][0]                  │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ out (Dense)                   │ (None, 2)                 │              18 │ hidden[0][0]               │\n"
    "└───────────────────────────────┴───────────────────────────┴─────────────────┴────────────────────────────┘\n"
    " Total params: 106 (424.00 B)\n"
    " Trainable params: 106 (424.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

TWO_INPUTS_TRAINABLE = (  # summary(show_trainable=True)
    'Model: "two_inputs"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓\n"
    "┃ Layer (type)                  ┃ Output Shape              ┃          Param # ┃ Connected to              ┃ Trainable ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩\n"
    "│ a (InputLayer)                │ (None, 4)                 │                0 │ -                         │     -     │\n"
    "├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤\n"
    "│ b (InputLayer)                │ (None, 6)                 │                0 │ -                         │     -     │\n"
    "├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤\n"
    "│ cat (Concatenate)             │ (None, 10)                │                0 │ a[0][0], b[0][0]          │     -     │\n"
    "├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤\n"
    "│ hidden (Dense)                │ (None, 8)                 │               88 │ cat[0][0]                 │     Y     │\n"
    "├───────────────────────────────┼───────────────────────────┼──────────────────┼───────────────────────────┼───────────┤\n"
    "│ out (Dense)                   │ (None, 2)                 │               18 │ hidden[0][0]              │     Y     │\n"
    "└───────────────────────────────┴───────────────────────────┴──────────────────┴───────────────────────────┴───────────┘\n"
    " Total params: 106 (424.00 B)\n"
    " Trainable params: 106 (424.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

TWO_INPUTS_60_TRAINABLE = (  # summary(line_length=60, show_trainable=True)
    'Model: "two_inputs"\n'
    "┏━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━┓\n"
    "┃               ┃ Output      ┃  Param ┃ Connected   ┃     ┃\n"
    "┃ Layer (type)  ┃ Shape       ┃      # ┃ to          ┃ Tr… ┃\n"
    "┡━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━┩\n"
    "│ a             │ (None, 4)   │      0 │ -           │  -  │\n"
    "│ (InputLayer)  │             │        │             │     │\n"
    "├───────────────┼─────────────┼────────┼─────────────┼─────┤\n"
    "│ b             │ (None, 6)   │      0 │ -           │  -  │\n"
    "│ (InputLayer)  │             │        │             │     │\n"
    "├───────────────┼─────────────┼────────┼─────────────┼─────┤\n"
    "│ cat           │ (None, 10)  │      0 │ a[0][0],    │  -  │\n"
    "│ (Concatenate) │             │        │ b[0][0]     │     │\n"
    "├───────────────┼─────────────┼────────┼─────────────┼─────┤\n"
    "│ hidden        │ (None, 8)   │     88 │ cat[0][0]   │  Y  │\n"
    "│ (Dense)       │             │        │             │     │\n"
    "├───────────────┼─────────────┼────────┼─────────────┼─────┤\n"
    "│ out (Dense)   │ (None, 2)   │     18 │ hidden[0][… │  Y  │\n"
    "└───────────────┴─────────────┴────────┴─────────────┴─────┘\n"
    " Total params: 106 (424.00 B)\n"
    " Trainable params: 106 (424.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

NESTED_EXPANDED = (  # summary(expand_nested=True, show_trainable=True)
    'Model: "outer"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓\n"
    "┃ Layer (type)                          ┃ Output Shape                  ┃        Param # ┃ Traina… ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩\n"
    "│ x (InputLayer)                        │ (None, 3)                     │              0 │    -    │\n"
    "├───────────────────────────────────────┼───────────────────────────────┼────────────────┼─────────┤\n"
    "│ inner (Sequential)                    │ (None, 4)                     │             16 │    Y    │\n"
    "├───────────────────────────────────────┼───────────────────────────────┼────────────────┼─────────┤\n"
    "│    └ inner_dense (Dense)              │ (None, 4)                     │             16 │    Y    │\n"
    "├───────────────────────────────────────┼───────────────────────────────┼────────────────┼─────────┤\n"
    "│    └ inner_relu (ReLU)                │ (None, 4)                     │              0 │    -    │\n"
    "├───────────────────────────────────────┼───────────────────────────────┼────────────────┼─────────┤\n"
    "│ head (Dense)                          │ (None, 1)                     │              5 │    Y    │\n"
    "└───────────────────────────────────────┴───────────────────────────────┴────────────────┴─────────┘\n"
    " Total params: 21 (84.00 B)\n"
    " Trainable params: 21 (84.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

CNN = (  # summary()
    'Model: "cnn"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩\n"
    "│ conv (Conv2D)                        │ (None, 26, 26, 32)          │             320 │\n"
    "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤\n"
    "│ pool (MaxPooling2D)                  │ (None, 13, 13, 32)          │               0 │\n"
    "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤\n"
    "│ flat (Flatten)                       │ (None, 5408)                │               0 │\n"
    "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤\n"
    "│ drop (Dropout)                       │ (None, 5408)                │               0 │\n"
    "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤\n"
    "│ out (Dense)                          │ (None, 10)                  │          54,090 │\n"
    "└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘\n"
    " Total params: 54,410 (212.54 KB)\n"
    " Trainable params: 54,410 (212.54 KB)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

BRANCH = (  # summary()
    'Model: "branch"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to               ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩\n"
    "│ x (InputLayer)                │ (None, 4)                 │               0 │ -                          │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ a1 (Dense)                    │ (None, 5)                 │              25 │ x[0][0]                    │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ a2 (Dense)                    │ (None, 3)                 │              18 │ a1[0][0]                   │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ side (Dense)                  │ (None, 3)                 │              15 │ x[0][0]                    │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ add (Add)                     │ (None, 3)                 │               0 │ a2[0][0], side[0][0]       │\n"
    "└───────────────────────────────┴───────────────────────────┴─────────────────┴────────────────────────────┘\n"
    " Total params: 58 (232.00 B)\n"
    " Trainable params: 58 (232.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

THREE_INPUTS_70 = (  # summary(line_length=70)
    'Model: "three"\n'
    "┏━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)       ┃ Output Shape    ┃  Param # ┃ Connected to     ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━┩\n"
    "│ first_input_tensor │ (None, 3)       │        0 │ -                │\n"
    "│ (InputLayer)       │                 │          │                  │\n"
    "├────────────────────┼─────────────────┼──────────┼──────────────────┤\n"
    "│ second_input_tens… │ (None, 3)       │        0 │ -                │\n"
    "│ (InputLayer)       │                 │          │                  │\n"
    "├────────────────────┼─────────────────┼──────────┼──────────────────┤\n"
    "│ third_input_tensor │ (None, 3)       │        0 │ -                │\n"
    "│ (InputLayer)       │                 │          │                  │\n"
    "├────────────────────┼─────────────────┼──────────┼──────────────────┤\n"
    "│ concatenate_three  │ (None, 9)       │        0 │ first_input_ten… │\n"
    "│ (Concatenate)      │                 │          │ second_input_te… │\n"
    "│                    │                 │          │ third_input_ten… │\n"
    "└────────────────────┴─────────────────┴──────────┴──────────────────┘\n"
    " Total params: 0 (0.00 B)\n"
    " Trainable params: 0 (0.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

LONG_NAMES_50 = (  # summary(line_length=50)
    'Model: "long"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓\n"
    "┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩\n"
    "│ a_really_long_laye… │ (None, 2)      │       8 │\n"
    "│ (Dense)             │                │         │\n"
    "├─────────────────────┼────────────────┼─────────┤\n"
    "│ short name with     │ (None, 2)      │       6 │\n"
    "│ spaces (Dense)      │                │         │\n"
    "└─────────────────────┴────────────────┴─────────┘\n"
    " Total params: 14 (56.00 B)\n"
    " Trainable params: 14 (56.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

SHARED = (  # summary()
    'Model: "shared"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to               ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩\n"
    "│ left (InputLayer)             │ (None, 3)                 │               0 │ -                          │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ right (InputLayer)            │ (None, 3)                 │               0 │ -                          │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ shared (Dense)                │ (None, 2)                 │               8 │ left[0][0], right[0][0]    │\n"
    "├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤\n"
    "│ sum (Add)                     │ (None, 2)                 │               0 │ shared[0][0], shared[1][0] │\n"
    "└───────────────────────────────┴───────────────────────────┴─────────────────┴────────────────────────────┘\n"
    " Total params: 8 (32.00 B)\n"
    " Trainable params: 8 (32.00 B)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

POSITIONS = (  # summary(line_length=80, positions=[0.2, 0.4, 0.6])
    'Model: "mlp"\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┓\n"
    "┃ Layer (type)             ┃ Output Shape            ┃                 Param # ┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━┩\n"
    "│ hidden (Dense)           │ (None, 64)              │                     256 │\n"
    "├──────────────────────────┼─────────────────────────┼─────────────────────────┤\n"
    "│ logits (Dense)           │ (None, 10)              │                     650 │\n"
    "└──────────────────────────┴─────────────────────────┴─────────────────────────┘\n"
    " Total params: 906 (3.54 KB)\n"
    " Trainable params: 906 (3.54 KB)\n"
    " Non-trainable params: 0 (0.00 B)\n"
)

KERAS_TABLES = [
    ("MLP", mlp, {}),
    ("MLP_TRAINABLE", mlp, {"show_trainable": True}),
    ("MLP_40_TRAINABLE", mlp, {"line_length": 40, "show_trainable": True}),
    ("BIG", big, {}),
    ("TWO_INPUTS", two_input_model, {}),
    ("TWO_INPUTS_TRAINABLE", two_input_model, {"show_trainable": True}),
    ("TWO_INPUTS_60_TRAINABLE", two_input_model, {"line_length": 60, "show_trainable": True}),
    ("NESTED_EXPANDED", nested_model, {"expand_nested": True, "show_trainable": True}),
    ("CNN", cnn, {}),
    ("BRANCH", branching_model, {}),
    ("THREE_INPUTS_70", three_inputs, {"line_length": 70}),
    ("LONG_NAMES_50", long_names, {"line_length": 50}),
    ("SHARED", shared_model, {}),
    ("POSITIONS", mlp, {"line_length": 80, "positions": [0.2, 0.4, 0.6]}),
]


@pytest.mark.parametrize("name, build, kwargs", KERAS_TABLES, ids=[c[0] for c in KERAS_TABLES])
def test_summary_text_is_exactly_keras(name, build, kwargs):
    calls = []
    build().summary(print_fn=calls.append, **kwargs)
    assert calls == [globals()[name]]
