"""Which objects the tree functions walk into (nodes) and which they stop at (leaves).

The rules are optree's, as Keras 3 uses it: a node is an object whose exact type
is `tuple`, `list`, `dict`, `collections.OrderedDict`, `collections.defaultdict`
or `collections.deque`, or a namedtuple, or a PyStructSequence (such as
`time.struct_time`). Subclasses of `list`, `tuple` and `dict` that are not
namedtuples are leaves, as are strings, sets and arrays. `None` is a leaf,
except where a caller passes `none_is_leaf=False`: then it is a node with no
children.

A dict's children come in sorted key order (an `OrderedDict`'s in its own
order), and a rebuilt dict has the keys in the order of the dict it was
modelled on.
"""

from __future__ import annotations

import collections
import enum
from typing import Any, Callable, Optional, cast


class Kind(enum.Enum):
    """The kinds of node."""

    NONE = "None"
    TUPLE = "tuple"
    LIST = "list"
    DICT = "dict"
    ORDERED_DICT = "OrderedDict"
    DEFAULT_DICT = "defaultdict"
    DEQUE = "deque"
    NAMEDTUPLE = "namedtuple"
    STRUCTSEQ = "PyStructSequence"


DICT_KINDS = (Kind.DICT, Kind.ORDERED_DICT, Kind.DEFAULT_DICT)

# Looked up by exact type, as optree does: a subclass of list is a leaf.
_EXACT_TYPES: dict[type, Kind] = {
    tuple: Kind.TUPLE,
    list: Kind.LIST,
    dict: Kind.DICT,
    collections.OrderedDict: Kind.ORDERED_DICT,
    collections.defaultdict: Kind.DEFAULT_DICT,
    collections.deque: Kind.DEQUE,
}

# CPython's Py_TPFLAGS_BASETYPE: set on classes that can be subclassed.
_BASETYPE_FLAG = 1 << 10

IsLeaf = Optional[Callable[[Any], bool]]


def is_namedtuple_class(cls: Any) -> bool:
    """Whether `cls` is a namedtuple class (or a subclass of one)."""
    return (
        isinstance(cls, type)
        and issubclass(cls, tuple)
        and isinstance(getattr(cls, "_fields", None), tuple)
        and all(type(field) is str for field in cast(Any, cls)._fields)
        and callable(getattr(cls, "_make", None))
        and callable(getattr(cls, "_asdict", None))
    )


def is_structseq_class(cls: Any) -> bool:
    """Whether `cls` is a PyStructSequence type such as `time.struct_time`."""
    return (
        isinstance(cls, type)
        and cls.__bases__ == (tuple,)
        and isinstance(getattr(cls, "n_fields", None), int)
        and isinstance(getattr(cls, "n_sequence_fields", None), int)
        and isinstance(getattr(cls, "n_unnamed_fields", None), int)
        and not cls.__flags__ & _BASETYPE_FLAG
    )


def node_kind(x: Any, none_is_leaf: bool = True, is_leaf: IsLeaf = None) -> Kind | None:
    """The kind of node `x` is, or None when `x` is a leaf."""
    if is_leaf is not None and is_leaf(x):
        return None
    kind = _EXACT_TYPES.get(type(x))
    if kind is not None:
        return kind
    if x is None:
        return None if none_is_leaf else Kind.NONE
    cls = type(x)
    if is_namedtuple_class(cls):
        return Kind.NAMEDTUPLE
    if is_structseq_class(cls):
        return Kind.STRUCTSEQ
    return None


def total_order_sorted(keys: Any) -> list:
    """`keys` sorted; keys of mixed types sorted by type name first; else as given.

    Keys that cannot be compared at all (e.g. instances of a user class) keep
    their order.
    """
    keys = list(keys)
    try:
        return sorted(keys)
    except TypeError:
        pass
    try:
        return sorted(keys, key=lambda k: (f"{type(k).__module__}.{type(k).__qualname__}", k))
    except TypeError:
        return keys


def dict_keys(d: Any, kind: Kind) -> list:
    """A dict node's keys in the order its children are walked."""
    return list(d) if kind is Kind.ORDERED_DICT else total_order_sorted(d)


def children(x: Any, kind: Kind) -> tuple:
    """`(values, entries)`: the node's children in walk order and their path entries.

    An entry is the index in a sequence, or the key in a dict.
    """
    if kind in DICT_KINDS:
        keys = dict_keys(x, kind)
        return [x[k] for k in keys], keys
    if kind is Kind.NONE:
        return [], []
    values = list(x)
    return values, list(range(len(values)))


def rebuild(template: Any, kind: Kind, values: list) -> Any:
    """A node of the same kind and type as `template`, with `values` as its children.

    `values` are in walk order (a dict's sorted key order); the result keeps
    `template`'s key order, `defaultdict` factory and `deque` maxlen.
    """
    if kind is Kind.LIST:
        return list(values)
    if kind is Kind.TUPLE:
        return tuple(values)
    if kind in DICT_KINDS:
        by_key = dict(zip(dict_keys(template, kind), values))
        if kind is Kind.ORDERED_DICT:
            return collections.OrderedDict((k, by_key[k]) for k in template)
        items = {k: by_key[k] for k in template}
        if kind is Kind.DEFAULT_DICT:
            return collections.defaultdict(template.default_factory, items)
        return items
    if kind is Kind.NAMEDTUPLE:
        return type(template)(*values)
    if kind is Kind.STRUCTSEQ:
        return type(template)(values)
    if kind is Kind.DEQUE:
        return collections.deque(values, maxlen=template.maxlen)
    return None  # Kind.NONE
