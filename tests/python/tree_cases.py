"""Cases for `pykeras.tree` against Keras 3's `keras.tree`: inputs, named functions, a codec.

A helper, not a test file. It imports neither Keras nor pykeras: `run_case`
takes the tree module as an argument. tests/reference/make_tree_reference.py
runs every case with `keras.tree` and records the outcomes (value or error,
the calls the mapped function received, warnings) into
tests/reference/data/tree_reference.json; tests/python/test_tree.py runs them
with `pykeras.tree` and compares.

Outcomes are stored in a tagged JSON form (`encode`) that keeps what plain
JSON loses: list vs tuple, dict key types and order, OrderedDict,
defaultdict, deque, namedtuple and PyStructSequence types.
"""

import collections
import sys
import time
import warnings

P = collections.namedtuple("P", ["x", "y"])
Q = collections.namedtuple("Q", ["x", "y", "z"])
P_TWIN = collections.namedtuple("P", ["x", "y"])  # same name and fields, another class


class SubP(P):
    """A subclass of a namedtuple: still a namedtuple."""


class ListSub(list):
    """A subclass of list: a leaf."""


class TupleSub(tuple):
    """A subclass of tuple (not a namedtuple): a leaf."""


class DictSub(dict):
    """A subclass of dict: a leaf."""


class Key:
    """A dict key that can be hashed and compared for equality, but not ordered."""

    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return isinstance(other, Key) and other.n == self.n

    def __hash__(self):
        return hash(("Key", self.n))

    def __repr__(self):
        return f"Key({self.n})"


NAMEDTUPLES = {"P": P, "Q": Q, "P_TWIN": P_TWIN, "SubP": SubP}
LEAF_SUBCLASSES = {"ListSub": ListSub, "TupleSub": TupleSub, "DictSub": DictSub}
STRUCTSEQS = {"time.struct_time": time.struct_time, "sys.float_info": type(sys.float_info)}


class Func:
    """Stands for a named function in a case's arguments (see `FUNCS`)."""

    def __init__(self, name):
        self.name = name


def _funcs(tree):
    def map_to_none_at_2(x):
        return tree.MAP_TO_NONE if type(x) is int and x == 2 else None

    return {
        "tag": lambda *args: ["f", *args],
        "len": len,
        "str": str,
        "none": lambda x: None,
        "map_to_none_at_2": map_to_none_at_2,
        "tuple_to_x": lambda x: "X" if type(x) is tuple else None,
        "list_to_len": lambda x: len(x) if type(x) is list else None,
        "always_map_to_none": lambda x: tree.MAP_TO_NONE,
        "not_callable": 3,
    }


FUNC_NAMES = sorted(_funcs(None))


def make_func(name, tree, calls):
    """The function `name`, recording the (encoded) arguments of each call into `calls`."""
    func = _funcs(tree)[name]
    if not callable(func):
        return func

    def recorded(*args):
        calls.append(encode(list(args)))
        return func(*args)

    return recorded


def encode(obj):
    """`obj` as JSON-able data that keeps every type the tree functions tell apart."""
    cls = type(obj)
    if obj is None or cls in (bool, int, float, str):
        return obj
    if isinstance(obj, type):
        return {"$": "type", "name": obj.__name__}
    if cls is list:
        return {"$": "list", "items": [encode(x) for x in obj]}
    if cls is tuple:
        return {"$": "tuple", "items": [encode(x) for x in obj]}
    if cls in (dict, collections.OrderedDict, collections.defaultdict):
        tag = {dict: "dict", collections.OrderedDict: "odict", collections.defaultdict: "ddict"}
        out = {"$": tag[cls], "items": [[encode(k), encode(v)] for k, v in obj.items()]}
        if cls is collections.defaultdict:
            out["factory"] = obj.default_factory.__name__
        return out
    if cls is collections.deque:
        return {"$": "deque", "items": [encode(x) for x in obj], "maxlen": obj.maxlen}
    for name, nt in NAMEDTUPLES.items():
        if cls is nt:
            return {"$": "namedtuple", "type": name, "items": [encode(x) for x in obj]}
    for name, ss in STRUCTSEQS.items():
        if cls is ss:
            return {"$": "structseq", "type": name, "items": [encode(x) for x in obj]}
    for name, sub in LEAF_SUBCLASSES.items():
        if cls is sub:
            items = list(obj.items()) if isinstance(obj, dict) else list(obj)
            return {"$": name, "items": encode(items)}
    if cls in (set, frozenset):
        return {"$": cls.__name__, "items": sorted(encode(x) for x in obj)}
    if cls is Key:
        return {"$": "Key", "n": obj.n}
    if cls is Func:
        return {"$": "func", "name": obj.name}
    if hasattr(obj, "__next__"):
        return {"$": "iterator"}
    raise TypeError(f"encode: no encoding for {obj!r} of type {cls.__name__}")


def run_case(tree, case):
    """Runs one case with `tree`; returns its outcome in encoded form."""
    calls = []
    args = [make_func(a.name, tree, calls) if isinstance(a, Func) else a for a in case["args"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = getattr(tree, case["call"])(*args, **case["kwargs"])
        except Exception as e:  # noqa: BLE001 - the error is the outcome
            outcome = {"error": type(e).__name__, "message": str(e)}
        else:
            outcome = {"value": encode(value)}
    outcome["calls"] = calls
    outcome["warnings"] = [
        [w.category.__name__, str(w.message)]
        for w in caught
        if issubclass(w.category, (DeprecationWarning, UserWarning))
    ]
    return outcome


def _structures():
    """Named nested structures (fresh objects on every call)."""
    return {
        "leaf_int": 7,
        "leaf_none": None,
        "leaf_str": "ab",
        "leaf_set": {3},
        "empty_list": [],
        "empty_tuple": (),
        "empty_dict": {},
        "list_of_empties": [[], (), {}, None],
        "flat_list": [1, 2, 3],
        "one_item": [5],
        "one_item_nested": [[5]],
        "nested_lists": [[1, 2, 3], [4, [5], [[6]]]],
        "tuple_mix": ((1, 2), [3, (4,)], 5),
        "dict_unsorted": {"b": 1, "a": 2, "c": [3, 4]},
        "dict_nested": {"key3": {"c": (1, 2), "a": 3}, "key1": {"e": 4, "d": 5}},
        "dict_int_keys": {100: "world!", 6: "Hello", -1: "neg"},
        "dict_mixed_keys": {"b": 1, 3: 2, None: 3, 2.5: 4, (1,): 5},
        "dict_unorderable_keys": {Key(2): "two", Key(1): "one"},
        "dict_tuple_keys_mixed": {(2, "a"): 1, (1, 2): 2, (1, "b"): 3},
        "dict_bool_int_keys": {True: "t", 0: "zero"},
        "odict": collections.OrderedDict([("b", 1), ("a", [2, 3]), ("c", None)]),
        "ddict": collections.defaultdict(list, {"b": 1, "a": (2, 3)}),
        "deque": collections.deque([1, [2, 3]], maxlen=5),
        "namedtuple": P(x=1, y=[2, {"k": 3}]),
        "namedtuple_sub": SubP(x=(1,), y=2),
        "nested_namedtuples": Q(P(1, 2), [P(3, None)], {"z": P((), [])}),
        "structseq": time.gmtime(0),
        "leaf_subclasses": [ListSub([1, 2]), TupleSub((3, 4)), DictSub(a=5), 6],
        "with_nones": [None, [None, 1], {"a": None}, (None,)],
        "deep": [[[[[[1]]]]], {"a": [[{"b": ((2,),)}]]}],
        "shapes": [(1, None), [2, 3], {"a": (None,)}, 4, None, [], (True,), ([1],), (1.5, 2)],
        "shape_namedtuple": [P(1, 2), collections.deque([3, None]), "s"],
    }


def cases():
    """The cases, as dicts: name, call (a `tree` function name), args, kwargs.

    Fresh objects on every call; arguments that stand for functions are `Func`s.
    """
    s = _structures()
    out = []

    def add(name, call, *args, **kwargs):
        out.append({"name": name, "call": call, "args": list(args), "kwargs": kwargs})

    one_structure_calls = [
        ("flatten", ()),
        ("flatten_with_path", ()),
        ("is_nested", ()),
        ("lists_to_tuples", ()),
    ]
    for key in sorted(s):
        for call, _ in one_structure_calls:
            add(f"{call}/{key}", call, _structures()[key])
        add(f"map_structure/{key}", "map_structure", Func("tag"), _structures()[key])
        add(
            f"map_structure_nil/{key}",
            "map_structure",
            Func("tag"),
            _structures()[key],
            none_is_leaf=False,
        )
        add(f"map_structure_self/{key}", "map_structure", Func("tag"), s[key], _structures()[key])
        add(f"pack_sequence_as/{key}", "pack_sequence_as", _structures()[key], _numbers(s[key]))
        add(f"traverse_record/{key}", "traverse", Func("tag"), _structures()[key])
        add(f"traverse_none/{key}", "traverse", Func("none"), _structures()[key])
        add(f"traverse_up/{key}", "traverse", Func("none"), _structures()[key], top_down=False)
        add(f"map_shape_structure/{key}", "map_shape_structure", Func("tag"), _structures()[key])
        add(f"assert_same_structure/{key}", "assert_same_structure", s[key], _structures()[key])
        add(f"assert_same_paths/{key}", "assert_same_paths", s[key], _structures()[key])

    _add_map_cases(add)
    _add_pack_cases(add)
    _add_traverse_cases(add)
    _add_assert_cases(add)
    return out


def _numbers(structure):
    """As many numbers as `structure` has leaves (None and optree-style nodes counted)."""
    count = [0]

    def walk(x):
        cls = type(x)
        if cls in (list, tuple, collections.deque) or cls in NAMEDTUPLES.values():
            for v in x:
                walk(v)
        elif cls is time.struct_time:
            for v in x:
                walk(v)
        elif cls in (dict, collections.OrderedDict, collections.defaultdict):
            for v in x.values():
                walk(v)
        else:
            count[0] += 1

    walk(structure)
    return [100 + i for i in range(count[0])]


def _add_map_cases(add):
    od = collections.OrderedDict
    dd = collections.defaultdict
    f = Func("tag")
    add("map/no_structures", "map_structure", f)
    add("map/leaf_pair", "map_structure", f, 1, 2)
    add("map/leaf_vs_list", "map_structure", f, 1, [2])
    add("map/list_vs_tuple", "map_structure", f, [1, 2], (1, 3))
    add("map/tuple_vs_list", "map_structure", f, (1, 2), [1, 2])
    add("map/list_len", "map_structure", f, [1, 2], [1, 3, 4])
    add("map/tuple_len", "map_structure", f, (1, 2), (1, 2, 3))
    add("map/deeper", "map_structure", f, [1, 2], [1, [3]])
    add("map/shallower", "map_structure", f, [1, [2]], [1, 3])
    add("map/list_vs_str", "map_structure", f, [1, 2], "ab")
    add("map/list_vs_listsub", "map_structure", f, [1], ListSub([1]))
    add("map/list_vs_none", "map_structure", f, [[1]], [None])
    add("map/empty_vs_int", "map_structure", f, [[]], [1])
    add("map/dict_keys", "map_structure", f, {"a": 1}, {"b": 1})
    add(
        "map/dict_keys_many", "map_structure", f, {"c": 1, "a": 2, "b": 3}, {"d": 1, "b": 2, "a": 3}
    )
    add("map/dict_keys_missing", "map_structure", f, {"c": 1, "a": 2}, {"a": 1})
    add("map/dict_keys_extra", "map_structure", f, {}, {"a": 1})
    add("map/dict_mixed_key_mismatch", "map_structure", f, {1: 1, "a": 2}, {2: 1, "b": 2})
    add("map/odict_keys", "map_structure", f, od([("z", 1), ("c", 1)]), od([("y", 1), ("b", 3)]))
    add("map/dict_vs_odict_keys", "map_structure", f, {"z": 1, "c": 1}, od([("y", 1), ("b", 3)]))
    add("map/ddict_vs_dict_keys", "map_structure", f, dd(int, {"z": 1}), {"y": 1})
    add("map/dict_vs_list", "map_structure", f, {"a": 1}, [1])
    add("map/odict_vs_list", "map_structure", f, od(a=1), [1])
    add("map/dict_vs_dictsub", "map_structure", f, {"a": 1}, DictSub(a=1))
    add("map/odict_vs_dict", "map_structure", f, od([("b", 1), ("a", 2)]), {"a": 5, "b": 6})
    add("map/dict_vs_odict", "map_structure", f, {"a": 5, "b": 6}, od([("b", 1), ("a", 2)]))
    add("map/odict_order", "map_structure", f, od([("c", 1), ("a", 2)]), od([("a", 3), ("c", 4)]))
    add("map/ddict_vs_dict", "map_structure", f, dd(int, {"a": 1}), {"a": 2})
    add("map/dict_vs_ddict", "map_structure", f, {"a": 1}, dd(int, {"a": 2}))
    add("map/namedtuple_vs_tuple", "map_structure", f, P(1, 2), (1, 2))
    add("map/tuple_vs_namedtuple", "map_structure", f, (1, 2), P(1, 2))
    add("map/namedtuple_vs_list", "map_structure", f, P(1, 2), [1, 2])
    add("map/namedtuple_arity", "map_structure", f, P(1, 2), Q(1, 2, 3))
    add("map/namedtuple_twin", "map_structure", f, P(1, 2), P_TWIN(1, 2))
    add("map/namedtuple_sub", "map_structure", f, P(1, 2), SubP(1, 2))
    add("map/deque_len", "map_structure", f, collections.deque([1, 2]), collections.deque([1]))
    add("map/deque_vs_list", "map_structure", f, collections.deque([1, 2]), [1, 2])
    add("map/list_vs_deque", "map_structure", f, [1, 2], collections.deque([1, 2]))
    add(
        "map/deque_maxlen",
        "map_structure",
        f,
        collections.deque([1, 2], maxlen=3),
        collections.deque([3, 4]),
    )
    add("map/structseq_vs_tuple", "map_structure", f, time.gmtime(0), tuple(range(9)))
    add("map/tuple_vs_structseq", "map_structure", f, tuple(range(9)), time.gmtime(0))
    add("map/structseq_arity", "map_structure", f, time.gmtime(0), sys.float_info)
    add("map/error_order_right_to_left", "map_structure", f, [[1], [2]], [3, 4])
    add("map/error_order_nested", "map_structure", f, [[[1]], [2, 3]], [[5], [6]])
    add("map/error_order_dict", "map_structure", f, {"a": [1], "b": [2]}, {"a": 3, "b": 4})
    add("map/error_order_rests", "map_structure", f, [[1], [2]], [3, 4], [5, 6])
    add("map/error_second_rest", "map_structure", f, [1, [2]], [1, [3]], [5, 6])
    add("map/structural_before_leaf", "map_structure", f, [1, [2]], [[1], 3])
    add("map/calls_before_leaf_error", "map_structure", f, [1, [2], 3], [4, [5], [6]])
    add("map/three", "map_structure", f, [1, (2,)], [3, (4,)], [5, (6,)])
    add("map/none_vs_leaf", "map_structure", f, [None], [1])
    add("map/leaf_vs_none", "map_structure", f, [1], [None])
    add("map/nil_none_vs_none", "map_structure", f, [None, 2], [None, 3], none_is_leaf=False)
    add("map/nil_leaf_vs_none", "map_structure", f, [1, 2], [None, 3], none_is_leaf=False)
    add("map/nil_none_vs_leaf", "map_structure", f, [None, 2], [1, 3], none_is_leaf=False)
    add("map/nil_none_vs_list", "map_structure", f, [None], [[1]], none_is_leaf=False)
    add("map/nil_top_none", "map_structure", f, None, none_is_leaf=False)
    add("map/nil_top_none_pair", "map_structure", f, None, None, none_is_leaf=False)
    add("map/not_callable", "map_structure", Func("not_callable"), [1])
    add("map/not_callable_leaf", "map_structure", Func("not_callable"), 1)
    add("map/not_callable_empty", "map_structure", Func("not_callable"), [])
    add("map/returns_structure", "map_structure", f, [1, {"a": 2}])
    add("up_to/docstring_none", "map_structure_up_to", [None, None], Func("len"), [[1, 1], [2, 2]])
    add("up_to/zeros", "map_structure_up_to", [0, 0], Func("len"), [[1, 1], [2, 2]])
    add("up_to/nested", "map_structure_up_to", [1, [1, 1]], Func("str"), [[1, 1], [2, 2]])
    add("up_to/two", "map_structure_up_to", [1, [1, 1]], f, [[1, 1], [2, 2]], [3, [4, 5]])
    add("up_to/shallower", "map_structure_up_to", [1, [1, 1]], f, [[1, 1], 2])
    add("up_to/no_structures", "map_structure_up_to", [1, 2], f)
    add("up_to/dict", "map_structure_up_to", {"b": 0, "a": 0}, f, {"a": [1], "b": (2,)})
    add("up_to/empty_list", "map_structure_up_to", [1, []], f, [1, [2]])
    add("up_to/empty_list_ok", "map_structure_up_to", [1, []], f, [1, []])
    add("up_to/leaf_shallow", "map_structure_up_to", 0, f, [1, []])
    add("up_to/not_callable", "map_structure_up_to", [0], Func("not_callable"), [1])
    add("up_to/namedtuples", "map_structure_up_to", Q(2, 3, 4), f, Q(P(1, 2), [3], {"a": 4}))
    add("up_to/self", "map_structure_up_to", [1, (2, {"k": 3})], f, [1, (2, {"k": 3})])


def _add_pack_cases(add):
    add("pack/leaf", "pack_sequence_as", 1, [5])
    add("pack/leaf_too_many", "pack_sequence_as", 1, [5, 6])
    add("pack/too_few", "pack_sequence_as", [1, 2], [5])
    add("pack/too_many", "pack_sequence_as", [1, 2], [5, 6, 7])
    add("pack/too_few_dict", "pack_sequence_as", {"a": 1, "b": [2, 3]}, [1])
    add("pack/too_many_nested", "pack_sequence_as", {"a": 1, "b": [2, 3]}, [1, 2, 3, 4, 5])
    add("pack/empty_with_one", "pack_sequence_as", [], [1])
    add("pack/empty", "pack_sequence_as", [], [])
    add("pack/not_iterable", "pack_sequence_as", [1, 2], 5)
    add("pack/none_sequence", "pack_sequence_as", [1, 2], None)
    add("pack/iterator", "pack_sequence_as", [1, 2], iter([5, 6]))
    add("pack/tuple_sequence", "pack_sequence_as", [1, 2], (5, 6))
    add("pack/str_sequence", "pack_sequence_as", [1, 2], "ab")
    add("pack/dict_sequence", "pack_sequence_as", [1, 2], {"x": 1, "y": 2})
    add("pack/none_structure", "pack_sequence_as", None, [3])
    add("pack/docstring_dict", "pack_sequence_as", {"key3": "", "key1": "", "key2": ""}, [1, 2, 3])
    add(
        "pack/docstring_nested",
        "pack_sequence_as",
        {"key3": {"c": ("alpha", "beta"), "a": "gamma"}, "key1": {"e": "val1", "d": "val2"}},
        ["val2", "val1", 3.0, 1.0, 2.0],
    )


def _add_traverse_cases(add):
    s = [(1, 2), [3], {"a": 4}]
    add("traverse/docstring_down", "traverse", Func("tag"), s)
    add("traverse/docstring_up", "traverse", Func("none"), [(1, 2), [3], {"a": 4}], False)
    add("traverse/map_to_none", "traverse", Func("map_to_none_at_2"), [(1, 2), [3], {"a": 2}])
    add(
        "traverse/map_to_none_up",
        "traverse",
        Func("map_to_none_at_2"),
        [2, [2], {"b": 2, "a": 1}],
        top_down=False,
    )
    add("traverse/replace_tuples_up", "traverse", Func("tuple_to_x"), [(1, (2,)), [3]], False)
    add("traverse/replace_tuples_down", "traverse", Func("tuple_to_x"), [(1, (2,)), [3]])
    add("traverse/lists_to_len_up", "traverse", Func("list_to_len"), [[1, [2, 3]], (4,)], False)
    add("traverse/lists_to_len_down", "traverse", Func("list_to_len"), [[1, [2, 3]], (4,)])
    add("traverse/all_to_none", "traverse", Func("always_map_to_none"), [1, [2]])
    add("traverse/all_to_none_up", "traverse", Func("always_map_to_none"), [1, [2]], False)
    add("traverse/not_callable", "traverse", Func("not_callable"), [1])
    add("map_shape/len", "map_shape_structure", Func("len"), {"a": (None, 3), "b": [(2, 2, 2)]})


def _add_assert_cases(add):
    od = collections.OrderedDict
    a = "assert_same_structure"
    add("assert/ok", a, [(0, 1)], [(2, 3)])
    add("assert/namedtuple_twin", a, P(0, 1), P_TWIN(2, 3))
    add("assert/list_vs_tuple", a, [0, 1], (0, 1))
    add("assert/dict_vs_odict", a, {"a": 1}, od(a=2))
    add("assert/none_vs_leaf", a, [None], [1])
    add("assert/leaf_vs_none", a, [1], [None])
    add("assert/deeper", a, [1], [[1]])
    add("assert/shallower", a, [[1]], [1])
    add("assert/leaves", a, 1, "x")
    add("assert/check_types_true", a, [1], [2], True)
    add("assert/check_types_false", a, [1], [2], check_types=False)
    add("assert/check_types_false_mismatch", a, [1], (2,), False)
    p = "assert_same_paths"
    add("paths/list_vs_tuple", p, [0, 1], (2, 3))
    add("paths/namedtuples", p, P(0, 1), Q(2, 3, 4))
    add("paths/namedtuple_vs_list", p, P(0, 1), [2, 3])
    add("paths/dict_vs_list", p, [0, 1], {"a": 1})
    add("paths/dict_vs_odict", p, {"a": [1]}, od(a=(2,)))
    add("paths/leaves", p, 1, 2)
    add("paths/leaf_vs_list", p, 1, [2])
    add("paths/none_vs_empty", p, [None], [[]])
    add("paths/only_a", p, [0, [1, 2]], [0, [1]])
    add("paths/only_b", p, {"a": 1}, {"a": 1, "b": {"c": 2}})
