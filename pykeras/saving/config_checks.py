"""Checks on a model config read from a file or text, before anything is built from it.

Whole trees (`check_config`, `parse_json`) are checked once, where the text is
parsed; single entries (`check_names`, `inner_dict`, `plain_dtype`,
`check_shape`) where the deserializer meets them.

A config that came from outside must be a tree of JSON values before the
deserializer walks it: dicts with string keys, lists, strings, numbers,
booleans and None. The checks here run once, without recursion, right where
the text is parsed:

- depth: the deserializer recurses, so a config nested deeper than any model
  needs would end in a `RecursionError` (JSON and YAML can nest without limit);
- size: a few YAML aliases can stand for billions of nodes ("billion laughs"),
  which a walk over the config would expand;
- cycles: a YAML alias inside the node it names makes a list contain itself;
- types: YAML can also produce bytes, sets, dates and non-string keys, and
  integers of any size, none of which a Keras config holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from pykeras.errors import FileFormatError

# Deepest nesting accepted. A flat model's config is about 15 levels deep; each
# model nested inside another adds about 6 (Keras configs never come near this).
MAX_DEPTH = 100
# Most nodes accepted (aliases counted once per use). A 1,000-layer model has
# about 100,000.
MAX_NODES = 2_000_000
_INT_RANGE = (-(2**63), 2**63)


def parse_json(raw: str | bytes, source: str) -> object:
    """The config in the JSON text `raw` (str or bytes), checked with `check_config`.

    Args:
        raw: the JSON text.
        source: what the text is, for messages (e.g. `"the config.json of 'm.keras'"`).

    Raises:
        FileFormatError: the text is not JSON, or not a config (see `check_config`).
    """
    try:
        if isinstance(raw, (bytes, bytearray)):
            raw = bytes(raw).decode("utf-8")
        tree = json.loads(raw)
    except RecursionError as e:
        raise FileFormatError(
            f"{source} is nested too deeply to be a model config (at most {MAX_DEPTH} levels "
            "are expected). Received: JSON nested beyond what Python's JSON reader follows"
        ) from e
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, ints over 4300 digits
        raise FileFormatError(f"{source} is not valid JSON: {e}") from e
    return check_config(tree, source)


def check_config(tree: object, source: str) -> object:
    """Returns `tree` if it is a plain config tree; raises otherwise.

    Args:
        tree: the parsed config.
        source: what the config is, for messages.

    Raises:
        FileFormatError: the tree is deeper than `MAX_DEPTH`, has more than
            `MAX_NODES` nodes, contains itself, has a non-string key, a value
            that is not a JSON type, or an integer outside 64 bits.
    """
    nodes = 0
    path: list[str] = []  # keys from the root down to the container being walked
    on_path = set()  # ids of the containers on `path`: meeting one again is a cycle
    stack: list[tuple[Any, Iterator[tuple[Any, Any]]]] = [(None, iter((("", tree),)))]
    while stack:
        container, items = stack[-1]
        entry = next(items, None)
        if entry is None:
            stack.pop()
            if container is not None:
                on_path.discard(id(container))
                path.pop()
            continue
        key, value = entry
        nodes += 1
        if nodes > MAX_NODES:
            raise FileFormatError(
                f"{source} is too large to be a model config: expected at most {MAX_NODES} "
                "values (YAML aliases counted at each use). Received: more, by the time "
                f"{_where(path, key)} was reached"
            )
        if isinstance(value, (dict, list)):
            if id(value) in on_path:
                raise FileFormatError(
                    f"{source} contains itself (a YAML alias inside the node it names) at "
                    f"{_where(path, key)}; a model config is a tree."
                )
            if len(path) >= MAX_DEPTH:
                raise FileFormatError(
                    f"{source} is nested too deeply to be a model config: expected at most "
                    f"{MAX_DEPTH} levels. Received: more at {_where(path, key)}"
                )
            if isinstance(value, dict):
                bad = next((k for k in value if not isinstance(k, str)), None)
                if bad is not None:
                    raise FileFormatError(
                        f"{source} has a key that is not a string at {_where(path, key)}. "
                        f"Received: key={bad!r:.80}"
                    )
                children = iter(value.items())
            else:
                children = iter(enumerate(value))
            on_path.add(id(value))
            path.append(key)
            stack.append((value, children))
        elif isinstance(value, bool) or value is None or isinstance(value, (str, float)):
            continue
        elif isinstance(value, int):
            if not _INT_RANGE[0] <= value < _INT_RANGE[1]:
                raise FileFormatError(
                    f"{source} holds an integer too large for any model setting at "
                    f"{_where(path, key)}: expected one that fits in 64 bits. "
                    f"Received: {str(value)[:40]}"
                )
        else:
            raise FileFormatError(
                f"{source} holds a {type(value).__name__} at {_where(path, key)}; a model config "
                f"holds only JSON values (objects, lists, strings, numbers, booleans, null). "
                f"Received: {value!r:.80}"
            )
    return tree


def _where(path: Sequence[str], key: Any) -> str:
    keys = list(path[1:]) + [key]
    return "the top level" if len(keys) == 1 and keys[0] == "" else "/".join(map(str, keys))[:200]


# ------------------------------------------------------------------ single entries
# Used by the deserializer where each value of a config enters pykeras.

# Config keys holding one shape; each size is None or an int (-1: "inferred", in Reshape).
SHAPE_KEYS = ("shape", "batch_shape", "batch_input_shape", "input_shape", "target_shape")
# Errors that a constructor or `build` fed a damaged config may raise besides
# ValueError and TypeError; they mean the config is wrong, not that pykeras is.
CONFIG_FAULTS = (KeyError, IndexError, AttributeError, ArithmeticError, NotImplementedError)


def malformed(class_name: str, expected: str, received: object) -> FileFormatError:
    """The error for an entry of class `class_name` that is not what was expected."""
    return FileFormatError(
        f"A '{class_name}' entry of the config is malformed: expected {expected}. "
        f"Received: {received!r:.200}"
    )


def unbuildable(
    class_name: str, what: str, error: BaseException, config: object
) -> FileFormatError:
    """The error for an object whose constructor, `build` or `compile` failed on
    its config with one of `CONFIG_FAULTS`."""
    return FileFormatError(
        f"'{class_name}' could not be {what} ({type(error).__name__}: {error}); its config is "
        f"damaged or was written for another version. Received: config={config!r:.300}"
    )


def check_names(config: dict) -> None:
    """`class_name` must be a string, `module` and `registered_name` strings or null:
    they are looked up in tables."""
    if not isinstance(config["class_name"], str):
        raise FileFormatError(
            "A config entry's 'class_name' must be a string. "
            f"Received: {config['class_name']!r:.100}"
        )
    for key in ("module", "registered_name"):
        value = config.get(key)
        if value is not None and not isinstance(value, str):
            raise malformed(config["class_name"], f"'{key}' to be a string or null", value)


def inner_dict(config: dict) -> dict:
    """A copy of the entry's `config` dict (`{}` for null)."""
    inner = config.get("config")
    if inner is None:
        return {}
    if not isinstance(inner, dict):
        raise malformed(config["class_name"], "'config' to be a dict", inner)
    return dict(inner)


# Array dtypes a config may ask for: plain numbers and booleans (an object, void or
# structured dtype could hold anything, and "(10**9,)f8" alone asks for gigabytes).
ARRAY_KINDS = "biuf"


def plain_dtype(dtype: object, class_name: str) -> np.dtype | None:
    """The numpy dtype an array entry asks for, if it is a plain numeric one."""
    if dtype is None:
        return None
    try:
        resolved = np.dtype(dtype)  # type: ignore[call-overload]  # any value: refused below if not a dtype
    except (TypeError, ValueError) as e:
        raise malformed(class_name, "a numeric 'dtype'", dtype) from e
    if resolved.kind not in ARRAY_KINDS or resolved.shape or resolved.fields:
        raise malformed(class_name, "a numeric 'dtype' (bool, int, uint or float)", dtype)
    return resolved


def check_shape(shape: object, what: str) -> None:
    """A shape from a config: a list of sizes, each None or an int >= -1."""
    ok = isinstance(shape, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= -1) for d in shape
    )
    if not ok:
        raise FileFormatError(
            f"{what} must be a list of sizes, each null or an integer >= -1. "
            f"Received: {shape!r:.200}"
        )


def check_shapes(shapes: object, what: str) -> None:
    """A shape, or a list or dict of shapes, from a build config."""
    if isinstance(shapes, dict):
        for value in shapes.values():
            check_shapes(value, what)
    elif isinstance(shapes, list):
        if not shapes:
            raise FileFormatError(f"{what} holds an empty list of shapes. Received: []")
        for value in shapes:
            check_shapes(value, what)
    else:
        check_shape(shapes, what)
