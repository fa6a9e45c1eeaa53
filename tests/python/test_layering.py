"""Imports stay at module level (issue 15, point 1; docs/layering.md).

pykeras's subpackages form layers that import only downwards, with no cycles;
`lint-imports` checks that in tests/run.sh (contracts in pyproject.toml). An
import inside a function would hide a cycle from nobody (import-linter counts
it too) but would still let one creep back in unseen at import time, so the
package has none, except for optional dependencies, which must stay lazy so
that `import pykeras` works without them. This scan of the source tree keeps
it that way; it also keeps every import of the root package `pykeras` an
import of one of its modules (the contracts ignore imports of the root, which
is how `from pykeras import _core` looks to import-linter).
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "pykeras"

# Top-level modules an import inside a function may name: optional
# dependencies, imported on first use so that pykeras imports without them.
# Each such import also says, in a comment of its function, that it is optional.
OPTIONAL = {
    "PIL": "Pillow (the `image` extra): load_img, save_img, array_to_img",
    "tensorboard": "the `tensorboard` extra: event files of the TensorBoard callback",
    "scipy": "not a dependency: the named windows of the STFT initializer",
    "IPython": "notebooks only: plot_model's inline image, summary's HTML, the progress display",
    "matplotlib": "not a dependency: History.plot",
    "onnx": "the `onnx` extra: model.export(format='onnx') builds and checks the file",
    "ray": "the `ray` extra: pykeras.distribute's fit on Ray Train and predict on Ray Data",
    "torch": "no extra (large): pykeras.distribute's gloo all-reduce when PyTorch is installed",
    "orbax": "the `orbax` extra: callbacks.OrbaxCheckpoint and loading Orbax checkpoints",
}

# The compiled core: not a Python file, so import-linter sees `from pykeras
# import _core` as an import of pykeras/__init__.py.
COMPILED = {"_core"}

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _sources():
    files = sorted(PACKAGE.rglob("*.py"))
    assert files, f"no Python files under {PACKAGE}"
    return [
        (path.relative_to(PACKAGE.parent).as_posix(), path.read_text("utf-8")) for path in files
    ]


def _imported_modules(node):
    """The absolute top-level names of what an import statement imports."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        return ["pykeras"]  # relative: inside the package
    return [node.module]


def imports_inside_functions(source):
    """`(line, function, module, comment text of the function)` for each
    import statement inside a function or method of `source`."""
    lines = source.splitlines()
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            if function is not None and isinstance(child, (ast.Import, ast.ImportFrom)):
                text = "\n".join(lines[function.lineno - 1 : child.end_lineno])
                comments = " ".join(
                    part.split("#", 1)[1] for part in text.splitlines() if "#" in part
                )
                for module in _imported_modules(child):
                    name = getattr(function, "name", "<lambda>")
                    found.append((child.lineno, name, module, comments))
            visit(child, child if isinstance(child, _FUNCTIONS) else function)

    visit(ast.parse(source), None)
    return found


def stray_imports(path, source):
    """Imports inside functions that are not of an optional dependency, or
    whose function does not say the dependency is optional."""
    stray = []
    for line, function, module, comments in imports_inside_functions(source):
        if module.split(".")[0] not in OPTIONAL:
            stray.append(f"{path}:{line} in {function}(): import of {module}")
        elif "optional" not in comments.lower():
            stray.append(f"{path}:{line} in {function}(): no comment says {module} is optional")
    return stray


def root_imports(path, source, modules):
    """Imports that name the root package itself rather than one of its modules
    (`import pykeras`, `from pykeras import __version__`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "pykeras" and (len(parts) == 1 or parts[1] not in modules):
                    found.append(f"{path}:{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "pykeras":
            for alias in node.names:
                if alias.name not in modules:
                    found.append(f"{path}:{node.lineno}: from pykeras import {alias.name}")
    return found


def test_no_imports_inside_functions_but_optional_dependencies():
    stray = [s for path, source in _sources() for s in stray_imports(path, source)]
    assert not stray, (
        "Imports belong at the top of the module (docs/layering.md). If the module "
        "cannot import it there, it is in the wrong layer: move the code down, or have "
        "the higher layer register it. Only optional dependencies (OPTIONAL in this "
        "test, with a comment saying so) stay inside functions:\n" + "\n".join(stray)
    )


def test_every_allowed_optional_dependency_is_still_imported_lazily():
    used = {
        m.split(".")[0]
        for _, source in _sources()
        for _, _, m, _ in imports_inside_functions(source)
    }
    stale = sorted(set(OPTIONAL) - used)
    assert not stale, f"OPTIONAL lists modules no function imports any more: {stale}"


def test_the_root_package_is_imported_only_for_its_modules():
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    modules |= COMPILED
    found = [s for path, source in _sources() for s in root_imports(path, source, modules)]
    assert not found, (
        "pykeras's modules import its modules, never the root package itself (which imports "
        "every layer):\n" + "\n".join(found)
    )


STRAY = """
import numpy as np


class Layer:
    def call(self, x):
        from pykeras import ops  # an upward import dodging a cycle

        return ops.relu(x)


def load(path):
    try:
        from PIL import Image  # optional dependency: the `image` extra
    except ImportError:
        raise
    return Image.open(path)


def plot(model):
    import pydot

    return pydot.Dot()
"""


def test_the_scan_finds_imports_inside_functions_and_methods():
    found = stray_imports("example.py", STRAY)
    assert found == [
        "example.py:7 in call(): import of pykeras",
        "example.py:21 in plot(): import of pydot",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import pykeras\n", ["m.py:1: import pykeras"]),
        ("from pykeras import __version__\n", ["m.py:1: from pykeras import __version__"]),
        ("from pykeras import _core, ops\nimport pykeras.ops as o\n", []),
    ],
)
def test_the_scan_finds_imports_of_the_root_package(source, expected):
    assert root_imports("m.py", source, {"ops", "_core"}) == expected
