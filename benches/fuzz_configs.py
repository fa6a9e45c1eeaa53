"""Config trees and code payloads for the loader fuzzer (benches/fuzz_loaders.py).

- config mutators: the JSON tree of a model config changed structurally: wrong
  types, missing and unknown keys, huge numbers, deep nesting, unknown or
  swapped class names and modules, shuffled and duplicated lists, odd strings
  (used on `config.json`, the legacy `.h5` `model_config`, JSON and YAML text).
- payloads: what would run code if a loader ever executed it: `os.system` as a
  class or function, `eval`-style strings, `Lambda` bytecode, pickles, YAML
  `!!python/...` tags; and YAML alias bombs and self-referencing aliases. Every
  payload that runs writes the file `MARKER` in the working directory.

Nothing here imports pykeras.
"""

from __future__ import annotations

import base64
import copy
import json
import marshal
import pickle
import random

import yaml

# Written (relative to the working directory) by every payload, should it ever run.
MARKER = "FUZZ_CODE_RAN"


def chance(rng: random.Random, percent: int) -> bool:
    """True `percent` times in 100. Decisions go through randrange: hypothesis's
    `random()` favours 0.0 and would always take the first branch."""
    return rng.randrange(100) < percent


# ------------------------------------------------------------------ payloads


def _touch_marker(x):
    # Never called here: its bytecode is what a hostile Lambda layer stores.
    __import__("pathlib").Path("FUZZ_CODE_RAN").touch()
    return x


MARKER_BYTECODE = base64.b64encode(marshal.dumps(_touch_marker.__code__)).decode("ascii")
SHELL = f"touch {MARKER}"
EVAL_STRING = f"__import__('os').system('{SHELL}')"


class _PickleBomb:
    """Unpickling this runs `os.system(SHELL)`: no loader may ever unpickle."""

    def __reduce__(self):
        import os

        return (os.system, (SHELL,))


PICKLE_PAYLOAD = pickle.dumps(_PickleBomb())


def code_payloads() -> list:
    """Config values that would run code (write `MARKER`) if a loader executed them."""
    lambda_k3 = {"class_name": "__lambda__", "config": {"value": [MARKER_BYTECODE, None, None]}}
    return [
        {"module": "os", "class_name": "system", "config": SHELL, "registered_name": None},
        {"module": "builtins", "class_name": "eval", "config": {}, "registered_name": "eval"},
        {"module": "subprocess", "class_name": "Popen", "config": {"args": SHELL.split()}},
        {"module": None, "class_name": "system", "config": {}, "registered_name": "os>system"},
        {"module": "os", "class_name": "function", "config": "system", "registered_name": None},
        {"module": "builtins", "class_name": "function", "config": "eval"},
        {"module": "builtins", "class_name": "function", "config": "__import__"},
        {"module": "builtins", "class_name": "function", "config": "exec"},
        {"class_name": "function", "config": "os.system", "registered_name": "function"},
        lambda_k3,
        {"class_name": "__lambda__", "config": {"code": MARKER_BYTECODE}},
        EVAL_STRING,
        f"lambda x: {EVAL_STRING}",
        {"class_name": "__bytes__", "config": {"value": PICKLE_PAYLOAD.decode("latin-1")}},
        {"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}},
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {"name": "evil", "function": lambda_k3},
        },
        {
            "class_name": "Lambda",
            "config": {
                "name": "evil2",
                "function": [MARKER_BYTECODE, None, None],
                "function_type": "lambda",
            },
        },
    ]


def lambda_layer_entry(name: str, inbound_nodes, keras2: bool) -> dict:
    """A Lambda layer whose function is `_touch_marker`'s bytecode, as Keras 3
    (`keras2=False`) or tf.keras 2 stores it."""
    if keras2:
        config = {
            "name": name,
            "function": [MARKER_BYTECODE, None, None],
            "function_type": "lambda",
            "output_shape": None,
            "arguments": {},
        }
    else:
        function = {"class_name": "__lambda__", "config": {"value": [MARKER_BYTECODE, None, None]}}
        config = {"name": name, "function": function, "arguments": {}}
    return {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": config,
        "registered_name": None,
        "name": name,
        "inbound_nodes": inbound_nodes,
    }


YAML_TAG_PAYLOADS = (
    f'!!python/object/apply:os.system ["{SHELL}"]',
    f'!!python/object/new:subprocess.Popen [["touch", "{MARKER}"]]',
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:os.PathLike {}",
    f'!!python/object/apply:builtins.eval ["{EVAL_STRING}"]',
    "!!python/tuple [1, 2]",
    "!!binary aGVsbG8=",
    "!!set {a: null, b: null}",
    "!!timestamp 2001-12-14",
    "!!omap [a: 1, b: 2]",
    "!!float nan",
    "!!str",
    "!!map {}",
    "!!int 123456789012345678901234567890",
)


def yaml_alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A flow sequence whose anchors expand to `width ** levels` leaves ("billion laughs")."""
    parts = [f"&a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        parts.append(f"&a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "[" + ", ".join(parts) + "]"


# ------------------------------------------------------------------ config trees

ODD_VALUES = (
    None,
    True,
    False,
    0,
    -1,
    1,
    3,
    2**31,
    2**63,
    -(2**63),
    10**30,
    1.5,
    -0.0,
    float("nan"),
    float("inf"),
    "",
    "x",
    "relu",
    "dense",
    "float32",
    "int8",
    [],
    [None],
    [1, 2],
    [[1]],
    ["dense", 0, 0],
    {},
    {"class_name": "Dense"},
    {"class_name": "Dense", "config": {}},
    {"class_name": "Dense", "config": None},
    {"config": None},
    {"class_name": None, "config": []},
    {"class_name": "__keras_tensor__", "config": {"keras_history": ["nope", 0, 0]}},
    {"class_name": "__keras_tensor__", "config": None},
    {"class_name": "__numpy__", "config": {"value": [[1, 2], [3]], "dtype": "float32"}},
    {"class_name": "__numpy__", "config": {"value": 1, "dtype": "not-a-dtype"}},
    {"class_name": "__bytes__", "config": {"value": 5}},
    {"class_name": "__slice__", "config": {"start": "a"}},
    {"class_name": "__typespec__", "config": {}},
    {"class_name": "function", "config": ["relu"]},
    {"class_name": "DTypePolicy", "config": {"name": ["x"]}},
    "A" * 5000,
)
HUGE_NUMBERS = (
    10**9,
    2**31,
    2**32 + 1,
    2**62,
    2**63,
    2**64,
    10**30,
    10**400,
    -1,
    -(10**9),
    0,
    1e308,
    -1e308,
    float("inf"),
    float("nan"),
    0.5,
)
# Config keys whose values become sizes, counts or indices.
SIZE_KEYS = tuple(
    """
    units filters kernel_size pool_size strides dilation_rate shape batch_shape
    batch_input_shape input_shape build_input_shape input_dim output_dim rate axis
    keras_history target_shape steps_per_execution learning_rate momentum loss_weights groups
    """.split()
)
CLASS_NAMES = tuple(
    """
    Dense Conv2D Conv1D MaxPooling2D AveragePooling2D Dropout Flatten Concatenate Add Dot
    InputLayer Embedding BatchNormalization LayerNormalization Lambda OpLayer Activation
    Sequential Functional Model Adam SGD RMSprop GlorotUniform Zeros Constant L2 MaxNorm
    MeanSquaredError SparseCategoricalCrossentropy Accuracy ExponentialDecay function
    __keras_tensor__ __numpy__ __tensor__ __bytes__ __lambda__ __slice__ __ellipsis__
    __typespec__ DTypePolicy Policy TFOpLambda Multiply Relu Softmax Mean NoSuchLayer dense
    Custom>Thing
    """.split()
) + ("",)
MODULES = (
    None,
    "",
    5,
    "keras",
    "keras.layers",
    "keras.src.models.functional",
    "keras.src.ops.numpy",
    "keras.src.ops.nn",
    "keras.saving",
    "keras.optimizers.schedules",
    "pykeras.layers",
    "pykeras.saving.file_format",
    "tensorflow.python.keras.engine.functional",
    "os",
    "builtins",
    "subprocess",
    "numpy",
)
ODD_STRINGS = (
    "",
    "a/b",
    "../../etc/passwd",
    "/",
    ".",
    "x" * 10000,
    "\x00",
    "\udcff",
    "é",
    "relu",
    "dense",
    "input_layer",
    "model_weights",
    "top_level_model_weights",
    "vars",
    "optimizer",
    "layers",
    EVAL_STRING,
)
_DEEP = "__FUZZ_DEEP__"


def _slots(tree) -> list:
    """Every `(container, key)` in `tree`, found without recursion."""
    slots, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            continue
        for key, value in items:
            slots.append((node, key))
            stack.append(value)
    return slots


def _pick(rng, slots, want=None):
    chosen = [s for s in slots if want is None or want(s)]
    return rng.choice(chosen) if chosen else None


def _where(key) -> str:
    return repr(key)[:40]


def tree_wrong_type(tree, rng, log):
    slot = _pick(rng, _slots(tree))
    if slot:
        value = copy.deepcopy(rng.choice(ODD_VALUES))
        slot[0][slot[1]] = value
        log.append(f"set {_where(slot[1])} to {repr(value)[:40]}")


def tree_delete_key(tree, rng, log):
    slot = _pick(rng, _slots(tree), lambda s: isinstance(s[0], dict))
    if slot:
        del slot[0][slot[1]]
        log.append(f"delete key {_where(slot[1])}")


def tree_add_key(tree, rng, log):
    slot = _pick(rng, _slots(tree), lambda s: isinstance(s[0][s[1]], dict))
    target = slot[0][slot[1]] if slot else tree
    if isinstance(target, dict):
        key = rng.choice(
            ("bogus", "units", "config", "class_name", "module", "dtype", "mask")
            + ("build_config", "compile_config", "inbound_nodes", "registered_name", "name")
        )
        value = copy.deepcopy(rng.choice(ODD_VALUES))
        target[key] = value
        log.append(f"add key {key!r} = {repr(value)[:40]}")


def tree_huge_number(tree, rng, log):
    def numeric_or_size(s):
        value = s[0][s[1]]
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return is_number or s[1] in SIZE_KEYS

    slot = _pick(rng, _slots(tree), numeric_or_size)
    if slot:
        value = rng.choice(HUGE_NUMBERS)
        if isinstance(slot[0][slot[1]], list) and chance(rng, 70):
            # A shape or triple: one element huge, or the whole list long.
            items = list(slot[0][slot[1]])
            if items and chance(rng, 80):
                items[rng.randrange(len(items))] = value
            else:
                items = [value] * rng.choice((2, 5, 40))
            value = items
        slot[0][slot[1]] = value
        log.append(f"set {_where(slot[1])} to {repr(value)[:40]}")


def tree_deep_nest(tree, rng, log):
    slot = _pick(rng, _slots(tree))
    if slot:
        depth = rng.choice((30, 100, 300, 1000, 5000, 100000))
        slot[0][slot[1]] = f"{_DEEP}{depth}"
        log.append(f"nest {_where(slot[1])} {depth} deep")


def tree_class_name(tree, rng, log):
    slot = _pick(rng, _slots(tree), lambda s: s[1] == "class_name")
    if slot:
        value = rng.choice(CLASS_NAMES) if chance(rng, 90) else rng.choice(ODD_VALUES)
        slot[0][slot[1]] = copy.deepcopy(value)
        log.append(f"class_name = {repr(value)[:40]}")


def tree_module(tree, rng, log):
    slot = _pick(rng, _slots(tree), lambda s: s[1] in ("module", "registered_name"))
    if slot:
        value = rng.choice(MODULES)
        slot[0][slot[1]] = value
        log.append(f"{slot[1]} = {value!r}")


def tree_swap(tree, rng, log):
    slots = _slots(tree)
    if len(slots) >= 2:
        a, b = rng.sample(slots, 2)
        va, vb = copy.deepcopy(a[0][a[1]]), copy.deepcopy(b[0][b[1]])
        a[0][a[1]], b[0][b[1]] = vb, va
        log.append(f"swap {_where(a[1])} and {_where(b[1])}")


def tree_list_shuffle(tree, rng, log):
    slot = _pick(rng, _slots(tree), lambda s: isinstance(s[0][s[1]], list) and s[0][s[1]])
    if slot:
        items = slot[0][slot[1]]
        how = rng.choice(("shuffle", "reverse", "duplicate", "drop", "empty"))
        if how == "shuffle":
            rng.shuffle(items)
        elif how == "reverse":
            items.reverse()
        elif how == "duplicate":
            items.insert(rng.randrange(len(items) + 1), copy.deepcopy(rng.choice(items)))
        elif how == "drop":
            items.pop(rng.randrange(len(items)))
        else:
            items.clear()
        log.append(f"{how} list {_where(slot[1])}")


def tree_string(tree, rng, log):
    slot = _pick(rng, _slots(tree), lambda s: isinstance(s[0][s[1]], str))
    if slot:
        value = rng.choice(ODD_STRINGS)
        if chance(rng, 30):
            # Another string of the same config: duplicate names, crossed references.
            others = [s[0][s[1]] for s in _slots(tree) if isinstance(s[0][s[1]], str)]
            value = rng.choice(others)
        slot[0][slot[1]] = value
        log.append(f"set string {_where(slot[1])} to {value[:40]!r}")


def tree_payload(tree, rng, log):
    """A value that would run code if executed, somewhere in the config."""
    slots = _slots(tree)
    layer_lists = [
        s for s in slots if s[1] == "layers" and isinstance(s[0][s[1]], list) and s[0][s[1]]
    ]
    if layer_lists and chance(rng, 40):
        layers = rng.choice(layer_lists)[0]["layers"]
        i = rng.randrange(len(layers))
        old = layers[i] if isinstance(layers[i], dict) else {}
        name = old.get("name") or (old.get("config") or {}).get("name") or "evil"
        entry = lambda_layer_entry(name, old.get("inbound_nodes", []), keras2=chance(rng, 50))
        if "inbound_nodes" not in old:
            entry.pop("inbound_nodes")
        layers[i] = entry
        log.append(f"replace layer #{i} with a bytecode Lambda")
        return
    slot = _pick(rng, slots)
    if slot:
        value = rng.choice(code_payloads())
        slot[0][slot[1]] = value
        log.append(f"payload at {_where(slot[1])}: {repr(value)[:50]}")


TREE_MUTATORS = (
    tree_wrong_type,
    tree_wrong_type,
    tree_delete_key,
    tree_add_key,
    tree_huge_number,
    tree_huge_number,
    tree_deep_nest,
    tree_class_name,
    tree_module,
    tree_swap,
    tree_list_shuffle,
    tree_string,
)


def mutate_tree(tree, rng, log, payload=False):
    """One to three structural mutations of a parsed config (in place); returns it."""
    if payload:
        tree_payload(tree, rng, log)
    else:
        for _ in range(rng.choice((1, 1, 2, 3))):
            rng.choice(TREE_MUTATORS)(tree, rng, log)
    return tree


def _expand_deep(text: str, opener: str, closer: str, quote: str) -> str:
    # Deep nesting is spliced into the text: json.dumps itself would recurse too far.
    while _DEEP in text:
        start = text.index(quote + _DEEP)
        end = text.index(quote, start + 1)
        depth = int(text[start + 1 + len(_DEEP) : end])
        text = text[:start] + opener * depth + "0" + closer * depth + text[end + 1 :]
    return text


def dump_json(tree, rng=None) -> bytes:
    text = json.dumps(tree)
    opener, closer = ("[", "]") if rng is None or chance(rng, 60) else ('{"a": ', "}")
    return _expand_deep(text, opener, closer, '"').encode("utf-8", "surrogatepass")


def dump_yaml(tree) -> bytes:
    text = yaml.safe_dump(tree, default_flow_style=False, allow_unicode=True)
    for quote in ("'", '"'):
        text = _expand_deep(text, "[", "]", quote)
    return text.encode("utf-8", "surrogatepass")


def mutate_json_text(data: bytes, rng: random.Random, log: list, payload=False) -> bytes:
    """Parses JSON, mutates the tree, writes JSON again."""
    tree = json.loads(data)
    return dump_json(mutate_tree(tree, rng, log, payload), rng)


def mutate_yaml_text(data: bytes, rng: random.Random, log: list) -> bytes:
    """YAML-only attacks: Python tags, alias bombs, self-referencing aliases."""
    tree = yaml.safe_load(data)
    slots = _slots(tree)
    slot = _pick(rng, slots)
    placeholder = "__FUZZ_YAML_PAYLOAD__"
    if slot is None:
        return data
    slot[0][slot[1]] = placeholder
    kind = rng.randrange(100)
    if kind < 60:
        payload = rng.choice(YAML_TAG_PAYLOADS)
    elif kind < 80:
        payload = yaml_alias_bomb(levels=rng.choice((3, 6, 9)))
    else:
        payload = "&self [1, *self]" if chance(rng, 50) else "&self {a: *self}"
    log.append(f"yaml payload at {_where(slot[1])}: {payload[:50]}")
    text = yaml.safe_dump(tree, default_flow_style=False)
    return text.replace(placeholder, payload, 1).encode("utf-8")
