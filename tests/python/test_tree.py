"""pykeras.tree against Keras 3's keras.tree: recorded cases, signatures, and invariants.

The recorded outcomes come from tests/reference/make_tree_reference.py (real
Keras 3 with optree), run on the cases of tree_cases.py. Hypothesis then draws
nested structures (lists, tuples, dicts with mixed keys, OrderedDicts,
defaultdicts, deques, namedtuples, leaf subclasses, None) and checks the
invariants the functions promise.
"""

import ast
import collections
import doctest
import inspect
import json
import pathlib
import sys
import time

import pytest
import tree_cases
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from keras_namespace import keras_names, module_coverage

import pykeras as keras
from pykeras import tree

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(REFERENCE / "tree_reference.json", encoding="utf-8") as f:
    RECORDED = json.load(f)["cases"]
CASES = {case["name"]: case for case in tree_cases.cases()}


# ------------------------------------------------------------ recorded cases


def test_the_recording_covers_exactly_the_current_cases():
    # A changed case list needs make_tree_reference.py to be run again.
    assert sorted(CASES) == sorted(RECORDED)


def assert_message_agrees(ours, theirs):
    """Our message says what Keras's says; it may go on with details.

    Keras's words are kept, except optree's "PyTreeSpec" (ours says "the
    structure") and pybind's complaint about a non-iterable argument.
    """
    if theirs.startswith("unflatten(): incompatible function arguments"):
        assert "iterable" in ours, ours
        return
    if "\n" in theirs:
        # assert_same_paths lists sets of paths, which Keras prints in hash order.
        ours_lines, their_lines = ours.split("\n"), theirs.split("\n")
        assert len(ours_lines) == len(their_lines), (ours, theirs)
        for o, t in zip(ours_lines, their_lines):
            if t.startswith("{"):
                assert ast.literal_eval(o) == ast.literal_eval(t), (ours, theirs)
            else:
                assert o == t, (ours, theirs)
        return
    expected = theirs.replace("PyTreeSpec", "the structure").rstrip(".")
    assert ours.startswith(expected), (ours, theirs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_recorded_case(name):
    case, want = CASES[name], RECORDED[name]
    assert tree_cases.encode(case["args"]) == want["args"]
    got = tree_cases.run_case(tree, case)
    if "error" in want:
        assert got.get("error") == want["error"], got
        assert_message_agrees(got["message"], want["message"])
    else:
        assert "error" not in got, got
        assert got["value"] == want["value"]
    assert got["calls"] == want["calls"]
    assert got["warnings"] == want["warnings"]


# ------------------------------------------------------------ namespace


KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}


def signature_record(fn):
    """`fn`'s parameters in keras_namespace.json's form."""
    return [
        {
            "name": p.name,
            "kind": KINDS[p.kind],
            "default": None if p.default is inspect.Parameter.empty else repr(p.default),
        }
        for p in inspect.signature(fn).parameters.values()
    ]


def test_every_keras_tree_name_is_present():
    coverage = module_coverage("keras.tree")
    assert coverage.missing == [] and coverage.signature_gaps == {}
    assert sorted(tree.__all__) == sorted(keras_names("keras.tree"))


@pytest.mark.parametrize("name", sorted(keras_names("keras.tree")))
def test_signatures_match_keras(name):
    entry = keras_names("keras.tree")[name]
    obj = getattr(tree, name)
    if entry["kind"] == "class":
        assert inspect.isclass(obj)
        return
    assert signature_record(obj) == entry["params"]
    assert obj.__doc__ and "Args:" in obj.__doc__ and "Example" in obj.__doc__


# ------------------------------------------------------------ beyond the recording


def test_structseq_type_mismatch_names_both_types():
    with pytest.raises(ValueError, match=r"PyStructSequence type mismatch.*struct_time.*hash_info"):
        tree.map_structure(lambda *a: 0, time.gmtime(0), sys.hash_info)


def test_leaf_mismatch_names_the_path():
    with pytest.raises(ValueError, match=r"same nested structure\. At path \(1, 'k'\)"):
        tree.map_structure(lambda a, b: 0, [0, {"k": 1}], [0, {"k": [1]}])
    with pytest.raises(ValueError, match=r"At path \(0,\), `a` has the leaf 1 but `b` has \[1\]"):
        tree.assert_same_structure([1], [[1]])


def test_pack_sequence_as_stops_reading_an_endless_iterator():
    import itertools

    with pytest.raises(ValueError, match="Too many leaves .* expected: 2, got: more"):
        tree.pack_sequence_as([0, 0], itertools.count())


def test_map_to_none_of_keras_is_recognised_by_name():
    class MAP_TO_NONE:  # noqa: N801 - another library's marker of the same name
        pass

    assert tree.traverse(lambda x: MAP_TO_NONE if x == 1 else None, [1, 2]) == [None, 2]


def test_docstring_examples_run():
    from pykeras.tree import tree_api

    result = doctest.testmod(
        tree_api, extraglobs={"keras": keras}, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 20 and result.failed == 0


# ------------------------------------------------------------ invariants (hypothesis)


class Box:
    """A leaf that holds a value (so a mapped function's result never nests)."""

    def __init__(self, value):
        self.value = value


def same(a, b):
    """Equal, with the same types and dict key order all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and type(a) in (dict, collections.OrderedDict, collections.defaultdict):
        if isinstance(a, collections.defaultdict) and a.default_factory is not b.default_factory:
            return False
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is collections.deque and a.maxlen != b.maxlen:
        return False
    if type(a) in (list, tuple, collections.deque) or tree_cases.P in type(a).__mro__:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def get(structure, path):
    for entry in path:
        structure = structure[entry]
    return structure


PLAIN_LEAVES = st.one_of(
    st.none(), st.integers(-5, 5), st.text(max_size=2), st.floats(allow_nan=False, width=32)
)
LEAVES = st.one_of(PLAIN_LEAVES, st.lists(st.integers(0, 3), max_size=2).map(tree_cases.ListSub))
KEYS = st.one_of(st.integers(-3, 3), st.text(max_size=2))  # mixed: sorted by type name first


def containers(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(KEYS, children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4).map(
            lambda d: collections.OrderedDict(reversed(list(d.items())))
        ),
        st.dictionaries(st.text(max_size=2), children, max_size=3).map(
            lambda d: collections.defaultdict(list, d)
        ),
        st.lists(children, max_size=3).map(collections.deque),
        st.builds(tree_cases.P, children, children),
    )


STRUCTURES = st.recursive(LEAVES, containers, max_leaves=24)
# Without list subclasses, which lists_to_tuples turns into tuples too (as Keras does).
PLAIN_STRUCTURES = st.recursive(PLAIN_LEAVES, containers, max_leaves=24)
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(STRUCTURES)
def test_pack_sequence_as_rebuilds_what_flatten_took_apart(s):
    assert same(tree.pack_sequence_as(s, tree.flatten(s)), s)


@FAST
@given(STRUCTURES)
def test_map_structure_identity_and_leaf_order(s):
    assert same(tree.map_structure(lambda x: x, s), s)
    mapped = tree.map_structure(Box, s)
    leaves = tree.flatten(s)
    boxes = tree.flatten(mapped)
    assert len(boxes) == len(leaves)
    assert all(box.value is leaf for box, leaf in zip(boxes, leaves))
    tree.assert_same_structure(s, mapped)
    tree.assert_same_paths(s, mapped)


@FAST
@given(STRUCTURES)
def test_map_structure_pairs_the_leaves_of_two_structures(s):
    pairs = tree.flatten(tree.map_structure(lambda a, b: Box((a, b)), s, s))
    assert [p.value for p in pairs] == [(x, x) for x in tree.flatten(s)]


@FAST
@given(STRUCTURES)
def test_flatten_with_path_leads_to_each_leaf(s):
    pairs = tree.flatten_with_path(s)
    assert [leaf for _, leaf in pairs] == tree.flatten(s)
    assert len({path for path, _ in pairs}) == len(pairs)
    for path, leaf in pairs:
        assert get(s, path) is leaf


@FAST
@given(PLAIN_STRUCTURES)
def test_lists_to_tuples_leaves_no_list(s):
    converted = tree.lists_to_tuples(s)
    kinds = []
    tree.traverse(lambda x: kinds.append(type(x)), converted)
    assert list not in kinds
    assert tree.flatten(converted) == tree.flatten(s)
    tree.assert_same_paths(s, converted)


@FAST
@given(STRUCTURES, st.booleans())
def test_traverse_that_returns_none_keeps_the_structure(s, top_down):
    visited = []
    assert same(tree.traverse(visited.append, s, top_down=top_down), s)
    nodes = []
    tree.traverse(lambda x: nodes.append(x) if tree.is_nested(x) else None, s)
    assert len(visited) == len(nodes) + len(tree.flatten(s))


@FAST
@given(STRUCTURES)
def test_map_structure_up_to_itself_is_map_structure(s):
    assume(all(leaf is not None for leaf in tree.flatten(s)))
    up_to = tree.map_structure_up_to(s, Box, s)
    assert [b.value for b in tree.flatten(up_to)] == tree.flatten(s)
    tree.assert_same_structure(up_to, tree.map_structure(Box, s))


@FAST
@given(STRUCTURES)
def test_map_structure_up_to_a_prefix_passes_subtrees(s):
    assume(tree.is_nested(s))
    shallow = tree.traverse(lambda x: 0 if x is not s else None, s)
    subtrees = tree.flatten(tree.map_structure_up_to(shallow, Box, s))
    assert len(subtrees) == len(tree.flatten(shallow))


@FAST
@given(st.dictionaries(st.text(max_size=3), LEAVES, max_size=6))
def test_dicts_flatten_in_sorted_key_order_and_keep_their_own_order(d):
    assert tree.flatten(d) == [d[k] for k in sorted(d)]
    assert list(tree.map_structure(lambda x: x, d)) == list(d)


@FAST
@given(STRUCTURES)
def test_is_nested_is_true_exactly_for_containers(s):
    node_types = (list, tuple, dict, collections.OrderedDict, collections.defaultdict)
    expected = type(s) in node_types or type(s) in (collections.deque, tree_cases.P)
    assert tree.is_nested(s) == expected


@FAST
@given(STRUCTURES, st.integers(1, 3))
def test_pack_sequence_as_with_the_wrong_count_is_a_value_error(s, extra):
    leaves = tree.flatten(s)
    with pytest.raises(ValueError, match="Too many leaves"):
        tree.pack_sequence_as(s, leaves + [0] * extra)
    if leaves:
        with pytest.raises(ValueError, match="Too few leaves"):
            tree.pack_sequence_as(s, leaves[:-1])
