"""`keras.tree`: functions over nested structures of lists, tuples, dicts and namedtuples.

The behaviour is Keras 3's (which uses optree): dicts are walked in sorted key
order (an `OrderedDict` in its own order) and rebuilt in their own key order;
namedtuples, `collections.deque` and PyStructSequences are nodes; `None` is a
leaf; subclasses of `list`, `tuple` and `dict` are leaves. See `_nodes` for the
exact rules. Mismatched structures raise `ValueError`s with Keras's messages;
where Keras's message gives no detail, ours goes on to say where the
structures differ.
"""

from __future__ import annotations

import itertools
import reprlib
import warnings
from typing import Any, Callable

from pykeras.tree import _walk
from pykeras.tree._nodes import children, node_kind, rebuild, total_order_sorted

_NOT_SAME = "Structures don't have the same nested structure."


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Special value for use with `traverse()`: replace a sub-tree with `None`.

    Example:

    >>> keras.tree.traverse(
    ...     lambda x: keras.tree.MAP_TO_NONE if x == 2 else None, [1, (2, 3)]
    ... )
    [1, (None, 3)]
    """


def is_nested(structure: Any) -> bool:
    """Checks if a given structure is nested.

    Args:
        structure: A structure to check.

    Returns:
        `True` if `structure` is a node: a list, tuple, dict, `OrderedDict`,
        `defaultdict`, `deque`, namedtuple or PyStructSequence (even an empty
        one); `False` for anything else, including `None` and strings.

    Example:

    >>> keras.tree.is_nested(42)
    False
    >>> keras.tree.is_nested({"foo": 42})
    True
    """
    return node_kind(structure) is not None


def traverse(func: Callable[[Any], Any], structure: Any, top_down: bool = True) -> Any:
    """Traverses the given nested structure, applying the given function.

    The traversal is depth-first. If `top_down` is True (default), parents
    are visited before their children (giving the option to avoid traversing
    into a sub-tree).

    Args:
        func: The function applied to each sub-tree of the structure.
            Top-down: if `func(subtree)` is `None` the traversal continues
            into the sub-tree; otherwise the sub-tree is replaced by
            `func(subtree)` and not traversed. Bottom-up: if `func(subtree)`
            is `None` the (already traversed) sub-tree is kept; otherwise it
            is replaced by `func(subtree)`. To replace a sub-tree with `None`,
            return `MAP_TO_NONE`.
        structure: The structure to traverse.
        top_down: If True, parent structures are visited before their
            children.

    Returns:
        The structured output of the traversal.

    Example:

    >>> v = []
    >>> keras.tree.traverse(v.append, [(1, 2), [3], {"a": 4}], top_down=True)
    [(1, 2), [3], {'a': 4}]
    >>> v
    [[(1, 2), [3], {'a': 4}], (1, 2), 1, 2, [3], 3, {'a': 4}, 4]
    """
    if top_down:
        ret = func(structure)
        if ret is None:
            return _traverse_children(func, structure, top_down)
    else:
        traversed = _traverse_children(func, structure, top_down)
        ret = func(traversed)
        if ret is None:
            return traversed
    # By name, as Keras does, so that `keras.tree.MAP_TO_NONE` works here too.
    if isinstance(ret, type) and ret.__name__ == "MAP_TO_NONE":
        return None
    return ret


def _traverse_children(func: Callable[..., Any], structure: Any, top_down: Any) -> Any:
    kind = node_kind(structure)
    if kind is None:
        return structure
    values = [traverse(func, child, top_down) for child in children(structure, kind)[0]]
    return rebuild(structure, kind, values)


def flatten(structure: Any) -> list:
    """Flattens a possibly nested structure into a list.

    A dict's values come in sorted key order (keys of different types sorted
    by type name first; keys that cannot be compared in insertion order); an
    `OrderedDict`'s in its own order. `pack_sequence_as` follows the same
    convention, so it rebuilds what `flatten` took apart.

    Args:
        structure: An arbitrarily nested structure.

    Returns:
        A list, the leaves of `structure` in order.

    Example:

    >>> keras.tree.flatten([[1, 2, 3], [4, [5], [[6]]]])
    [1, 2, 3, 4, 5, 6]
    >>> keras.tree.flatten(None)
    [None]
    >>> keras.tree.flatten({100: "world!", 6: "Hello"})
    ['Hello', 'world!']
    """
    return _walk.flatten(structure)


def flatten_with_path(structure: Any) -> list:
    """Flattens a possibly nested structure into a list of `(path, leaf)` pairs.

    A path is a tuple of indices (for sequences, namedtuples included) and
    keys (for dicts) that locates its leaf.

    Args:
        structure: An arbitrarily nested structure.

    Returns:
        A list of `(path, item)` pairs, in the order of `flatten(structure)`.

    Example:

    >>> keras.tree.flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]
    """
    return _walk.flatten_with_path(structure)


def map_structure(func: Callable[..., Any], *structures: Any, none_is_leaf: bool = True) -> Any:
    """Maps `func` through given structures.

    Args:
        func: A callable that accepts as many arguments as there are
            structures.
        *structures: Arbitrarily nested structures of the same layout.
        none_is_leaf: If True, `func` is called on `None` leaves. If False,
            `None` values are not passed to `func` and are returned in the
            output as they are.

    Returns:
        A new structure with the same layout as the given ones.

    Raises:
        ValueError: If `structures` is empty, or if the structures don't
            match according to the rules of `assert_same_structure`.

    Example:

    >>> structure = [[1], [2], [3]]
    >>> keras.tree.map_structure(lambda v: v**2, structure)
    [[1], [4], [9]]
    >>> keras.tree.map_structure(lambda x, y: x * y, structure, structure)
    [[1], [4], [9]]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    first = structures[0]
    if len(structures) == 1 and not is_nested(first):
        if first is None and not none_is_leaf:
            return None
        return func(first)
    leaves = _walk.flatten(first, none_is_leaf)
    # Every structure is matched against the first before `func` runs at all.
    others = [_walk.flatten_up_to(first, s, none_is_leaf) for s in structures[1:]]
    results = []
    for index, args in enumerate(zip(leaves, *others)):
        if others:
            _check_leaves(first, index, args, none_is_leaf)
        results.append(func(*args))
    return _walk.unflatten(first, iter(results), none_is_leaf)


def _check_leaves(first: Any, index: Any, args: Any, none_is_leaf: Any) -> None:
    """Keras's check that the other structures stop where the first one does."""
    for position, arg in enumerate(args):
        if node_kind(arg, none_is_leaf) is not None:
            path = _walk.flatten_with_path(first, none_is_leaf)[index][0]
            raise ValueError(
                f"{_NOT_SAME} At path {path}, `structures[0]` has the leaf "
                f"{reprlib.repr(args[0])} but `structures[{position}]` has "
                f"{reprlib.repr(arg)}, which is not a leaf."
            )


def map_structure_up_to(shallow_structure: Any, func: Callable[..., Any], *structures: Any) -> Any:
    """Maps `func` through given structures up to `shallow_structure`.

    This is a variant of `map_structure` which only maps the given structures
    up to `shallow_structure`. All further nested components are passed to
    `func` as they are. As in Keras, a `None` in `shallow_structure` does not
    mark a leaf (it raises a `ValueError`): use another placeholder.

    Args:
        shallow_structure: A structure with layout common to all
            `structures`.
        func: A callable that accepts as many arguments as there are
            structures.
        *structures: Arbitrarily nested structures, each with the layout of
            `shallow_structure` and possibly nested deeper.

    Returns:
        A new structure with the same layout as `shallow_structure`.

    Raises:
        ValueError: If `structures` is empty, or if one of them is shallower
            than `shallow_structure` or differs from it.

    Example:

    >>> structure = [[1, 1], [2, 2]]
    >>> keras.tree.map_structure_up_to([0, 0], len, structure)
    [2, 2]
    >>> keras.tree.map_structure_up_to([0, [0, 0]], str, structure)
    ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    shallow_leaves = _walk.flatten(shallow_structure)
    columns = [_walk.flatten_up_to(shallow_structure, s) for s in structures]
    results = []
    for index, (shallow_leaf, *args) in enumerate(zip(shallow_leaves, *columns)):
        if node_kind(shallow_leaf, none_is_leaf=False) is not None:
            path = _walk.flatten_with_path(shallow_structure)[index][0]
            raise ValueError(
                f"{_NOT_SAME} `shallow_structure` has None at path {path}; None does not "
                "mark a leaf of `shallow_structure` (use another placeholder, such as 0)."
            )
        results.append(func(*args))
    return _walk.unflatten(shallow_structure, iter(results))


def assert_same_structure(a: Any, b: Any, check_types: Any = None) -> None:
    """Asserts that two structures are nested in the same way.

    The leaves can be of any type. At each level, the structures must be of
    the same type and have the same number of elements. `dict`,
    `OrderedDict` and `defaultdict` are all considered the same as long as
    they have the same set of keys. `list`, `tuple`, `namedtuple` and `deque`
    are different structures, and so are two namedtuple classes, even with
    identical fields and names.

    Args:
        a: An arbitrarily nested structure.
        b: An arbitrarily nested structure.
        check_types: Deprecated, has no effect. For a looser check, use
            `assert_same_paths`, which considers `list`, `tuple`, `namedtuple`
            and `deque` as matching structures.

    Raises:
        ValueError: If the two structures `a` and `b` don't match.

    Example:

    >>> keras.tree.assert_same_structure([(0, 1)], [(2, 3)])
    >>> keras.tree.assert_same_structure([0, 1], (0, 1))
    Traceback (most recent call last):
        ...
    ValueError: Expected an instance of list, got (0, 1).
    """
    if check_types is not None:
        if check_types:
            message = (
                "The `check_types` argument is deprecated and no longer has any effect, "
                "please remove."
            )
        else:
            message = (
                "The `check_types` argument is deprecated and no longer has any effect. "
                "For a looser check, use `keras.tree.assert_same_paths()`, which considers "
                "`list`, `tuple`, `namedtuple` and `deque` as matching"
            )
        warnings.warn(message, DeprecationWarning, stacklevel=2)
    leaves = _walk.flatten(a)
    for index, (a_leaf, b_part) in enumerate(zip(leaves, _walk.flatten_up_to(a, b))):
        if node_kind(b_part) is not None:
            path = _walk.flatten_with_path(a)[index][0]
            raise ValueError(
                f"{_NOT_SAME} At path {path}, `a` has the leaf {reprlib.repr(a_leaf)} but "
                f"`b` has {reprlib.repr(b_part)}."
            )


def assert_same_paths(a: Any, b: Any) -> None:
    """Asserts that two structures have identical paths in their tree structure.

    Unlike `assert_same_structure`, this only compares the paths (see
    `flatten_with_path`), not the container types: `[0, 1]` and `(2, 3)`
    match, and so do two namedtuple classes of the same length.

    Args:
        a: An arbitrarily nested structure.
        b: An arbitrarily nested structure.

    Raises:
        ValueError: If the paths of `a` and `b` differ; the message lists the
            paths found in only one of them.

    Example:

    >>> keras.tree.assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {path for path, _ in _walk.flatten_with_path(a)}
    b_paths = {path for path, _ in _walk.flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        a_diff = a_paths - b_paths
        if a_diff:
            message += f"\nPaths in `a` missing in `b`:\n{_set_repr(a_diff)}"
        b_diff = b_paths - a_paths
        if b_diff:
            message += f"\nPaths in `b` missing in `a`:\n{_set_repr(b_diff)}"
        raise ValueError(message)


def _set_repr(paths: Any) -> Any:
    # Sorted where possible, so the message does not depend on hash order.
    return "{" + ", ".join(repr(p) for p in total_order_sorted(paths)) + "}"


def pack_sequence_as(structure: Any, flat_sequence: Any) -> Any:
    """Returns a given flattened sequence packed into a given structure.

    If `structure` is a leaf, `flat_sequence` must hold a single item, which
    is returned. Dicts are filled in sorted key order (an `OrderedDict` in
    its own order), as `flatten` lists them, and keep their own key order.

    Args:
        structure: Arbitrarily nested structure.
        flat_sequence: An iterable of leaves, as many as `structure` has.

    Returns:
        `flat_sequence` converted to have the same recursive structure as
        `structure`.

    Raises:
        TypeError: If `flat_sequence` is not iterable.
        ValueError: If `flat_sequence` has too few or too many items.

    Example:

    >>> structure = {"key3": "", "key1": "", "key2": ""}
    >>> keras.tree.pack_sequence_as(structure, ["value1", "value2", "value3"])
    {'key3': 'value3', 'key1': 'value1', 'key2': 'value2'}
    >>> structure = (("a", "b"), ("c", "d", "e"), "f")
    >>> keras.tree.pack_sequence_as(structure, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    ((1.0, 2.0), (3.0, 4.0, 5.0), 6.0)
    """
    try:
        items = iter(flat_sequence)
    except TypeError:
        raise TypeError(
            "pack_sequence_as expected `flat_sequence` to be an iterable of leaves. "
            f"Received: flat_sequence={reprlib.repr(flat_sequence)} "
            f"of type {type(flat_sequence).__name__}"
        ) from None
    expected = len(_walk.flatten(structure))
    # One item more than needed tells "too many" without draining an endless iterator.
    leaves = list(itertools.islice(items, expected + 1))
    if len(leaves) < expected:
        raise ValueError(
            f"Too few leaves for the structure; expected: {expected}, got: {len(leaves)}."
        )
    if len(leaves) > expected:
        got = len(flat_sequence) if hasattr(flat_sequence, "__len__") else "more"
        raise ValueError(f"Too many leaves for the structure; expected: {expected}, got: {got}.")
    return _walk.unflatten(structure, iter(leaves))


def lists_to_tuples(structure: Any) -> Any:
    """Returns the structure with list instances changed to tuples.

    Args:
        structure: Arbitrarily nested structure.

    Returns:
        The same structure but with tuples instead of lists.

    Example:

    >>> keras.tree.lists_to_tuples([1, [2, {"a": [3]}]])
    (1, (2, {'a': (3,)}))
    """

    def list_to_tuple(instance: Any) -> Any:
        return tuple(instance) if isinstance(instance, list) else None

    return traverse(list_to_tuple, structure, top_down=False)


def _is_shape_tuple(x: Any) -> Any:
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func: Callable[[Any], Any], structure: Any) -> Any:
    """Variant of `map_structure` that operates on shape tuples.

    Lists and tuples whose items are all ints or `None` (including empty
    ones) are shapes: `func` gets them whole. Other leaves are passed to
    `func` as well.

    Args:
        func: A callable applied to each shape (and other leaf).
        structure: Arbitrarily nested structure.

    Returns:
        The same structure with `func` applied.

    Example:

    >>> keras.tree.map_shape_structure(len, {"a": (None, 3), "b": [(2, 2, 2)]})
    {'a': 2, 'b': [3]}
    """
    leaves = _walk.flatten(structure, is_leaf=_is_shape_tuple)
    results = [func(leaf) for leaf in leaves]
    return _walk.unflatten(structure, iter(results), is_leaf=_is_shape_tuple)
