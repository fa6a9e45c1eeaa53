"""Walking nested structures: flattening, rebuilding, and matching one against another.

The public functions in `tree_api` are built on these four walks. Matching
(`flatten_up_to`) checks a structure against a template node by node and raises
optree's errors (which Keras 3 passes on), in optree's order: from the last
child to the first, so that with several mismatches the same one is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pykeras.tree._nodes import (
    DICT_KINDS,
    IsLeaf,
    Kind,
    children,
    node_kind,
    rebuild,
    total_order_sorted,
)


def flatten(structure: Any, none_is_leaf: bool = True, is_leaf: IsLeaf = None) -> list:
    """The leaves of `structure`, in walk order."""
    leaves: list = []
    _flatten_into(structure, leaves, none_is_leaf, is_leaf)
    return leaves


def _flatten_into(x: Any, leaves: Any, none_is_leaf: Any, is_leaf: Any) -> None:
    kind = node_kind(x, none_is_leaf, is_leaf)
    if kind is None:
        leaves.append(x)
        return
    for child in children(x, kind)[0]:
        _flatten_into(child, leaves, none_is_leaf, is_leaf)


def flatten_with_path(structure: Any, none_is_leaf: bool = True) -> list:
    """`(path, leaf)` pairs of `structure`, in walk order; a path is a tuple of entries."""
    pairs: list = []
    _flatten_with_path_into(structure, (), pairs, none_is_leaf)
    return pairs


def _flatten_with_path_into(x: Any, path: tuple[Any, ...], pairs: Any, none_is_leaf: Any) -> None:
    kind = node_kind(x, none_is_leaf)
    if kind is None:
        pairs.append((path, x))
        return
    values, entries = children(x, kind)
    for entry, child in zip(entries, values):
        _flatten_with_path_into(child, path + (entry,), pairs, none_is_leaf)


def unflatten(
    template: Any, leaves: Iterator, none_is_leaf: bool = True, is_leaf: IsLeaf = None
) -> Any:
    """`template` rebuilt with the next items of `leaves` in place of its leaves.

    The caller makes sure `leaves` has exactly as many items as `template` has leaves.
    """
    kind = node_kind(template, none_is_leaf, is_leaf)
    if kind is None:
        return next(leaves)
    values = [unflatten(v, leaves, none_is_leaf, is_leaf) for v in children(template, kind)[0]]
    return rebuild(template, kind, values)


def flatten_up_to(template: Any, other: Any, none_is_leaf: bool = True) -> list:
    """The subtrees of `other` at the leaf positions of `template`, in walk order.

    `other` must have `template`'s nodes (same kind, type, length or keys) down
    to `template`'s leaves; below them it may nest further.

    Raises:
        ValueError: where `other` differs from `template`, naming the node
            expected and the object received.
    """
    reversed_subtrees: list = []
    _flatten_up_to_into(template, other, reversed_subtrees, none_is_leaf)
    reversed_subtrees.reverse()
    return reversed_subtrees


def _flatten_up_to_into(template: Any, other: Any, out: Any, none_is_leaf: Any) -> None:
    kind = node_kind(template, none_is_leaf)
    if kind is None:
        out.append(other)
        return
    template_values, keys = children(template, kind)
    _check_node(kind, template, keys, other)
    if kind is Kind.NONE:
        return
    if kind in DICT_KINDS:
        other_values = [other[k] for k in keys]
    else:
        other_values = list(other)
    for t, o in zip(reversed(template_values), reversed(other_values)):
        _flatten_up_to_into(t, o, out, none_is_leaf)


def _check_node(kind: Kind, template: Any, keys: Any, other: Any) -> None:
    """Raises optree's ValueError when `other` is not a node like `template`."""
    if kind is Kind.NONE:
        if other is not None:
            raise ValueError(f"Expected None, got {other!r}.")
        return
    if kind in DICT_KINDS:
        _check_dict(kind, keys, other)
        return
    other_kind = node_kind(other)
    if other_kind is not kind:
        expected = {
            Kind.TUPLE: "tuple",
            Kind.LIST: "list",
            Kind.DEQUE: "collections.deque",
            Kind.NAMEDTUPLE: "collections.namedtuple",
            Kind.STRUCTSEQ: "PyStructSequence type",
        }[kind]
        raise ValueError(f"Expected an instance of {expected}, got {other!r}.")
    label = {Kind.NAMEDTUPLE: "tuple", Kind.STRUCTSEQ: "tuple"}.get(kind, kind.value)
    if len(other) != len(template):
        raise ValueError(
            f"{kind.value} arity mismatch; expected: {len(template)}, got: {len(other)}; "
            f"{label}: {other!r}."
        )
    if kind in (Kind.NAMEDTUPLE, Kind.STRUCTSEQ) and type(other) is not type(template):
        raise ValueError(
            f"{kind.value} type mismatch; expected type: {type(template)!r}, got type: "
            f"{type(other)!r}; {label}: {other!r}."
        )


def _check_dict(kind: Any, keys: Any, other: Any) -> None:
    # dict, OrderedDict and defaultdict stand for one another; only the keys must match.
    if node_kind(other) not in DICT_KINDS:
        raise ValueError(
            "Expected an instance of dict, collections.OrderedDict, or "
            f"collections.defaultdict, got {other!r}."
        )
    expected = set(keys)
    if expected == set(other):
        return
    missing = total_order_sorted(k for k in keys if k not in other)
    extra = total_order_sorted(k for k in other if k not in expected)
    difference = ""
    if missing:
        difference += f", missing key(s): {missing!r}"
    if extra:
        difference += f", extra key(s): {extra!r}"
    raise ValueError(
        f"dictionary key mismatch; expected key(s): {keys!r}, got key(s): "
        f"{total_order_sorted(other)!r}{difference}; {kind.value}: {other!r}."
    )
