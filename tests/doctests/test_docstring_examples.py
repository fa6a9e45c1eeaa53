"""The `>>>` examples in pykeras's docstrings run as tests.

Every module of the installed package is imported and the examples of each
docstring run as Python's doctest runs them: in the namespace of the module
that defines them, plus the names a reader of the API reference has after
`import numpy as np`, `import pykeras` and `import pykeras as keras`. Each runs
in an empty temporary directory (examples save and load files) and leaves the
global settings as it found them. An example that cannot run here (one that
downloads, say) says so in its text and carries `# doctest: +SKIP`.

Run once by tests/run.sh (not under each forced instruction-set path: printed
float32 digits are the oracle here, and the kernels' paths are compared with
each other by the main suite).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import pykeras

# Outputs are compared as Keras's own docstring tests compare them: runs of
# whitespace are equal, `...` stands for any text.
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

READER_NAMES = {"keras": pykeras, "pykeras": pykeras, "np": np, "ops": pykeras.ops}


def _module_names() -> list[str]:
    names = ["pykeras"]
    for info in pkgutil.walk_packages(pykeras.__path__, prefix="pykeras."):
        names.append(info.name)
    return sorted(names)


def _collect() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found: dict[str, doctest.DocTest] = {}
    for name in _module_names():
        module = importlib.import_module(name)
        for test in finder.find(module, name):
            # A name re-exported by a package is found again under the package;
            # its examples run once, under the module that defines them.
            key = f"{test.filename}:{test.lineno}"
            if test.examples and key not in found:
                found[key] = test
    return sorted(found.values(), key=lambda t: t.name)


TESTS = _collect()


def test_examples_are_found() -> None:
    # A change that hid the docstrings (or this collector's walk) would
    # otherwise leave the test below with nothing to run.
    assert len(TESTS) > 400, len(TESTS)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    config = pykeras.config
    saved = (
        config.epsilon(),
        config.floatx(),
        config.image_data_format(),
        config.get_num_threads(),
        config.get_isa(),
        config.is_interactive_logging_enabled(),
        config.max_epochs(),
        config.max_steps_per_epoch(),
    )
    np.random.seed(0)
    yield
    config.set_epsilon(saved[0])
    config.set_floatx(saved[1])
    config.set_image_data_format(saved[2])
    config.set_num_threads(saved[3])
    config.set_isa(saved[4])
    (config.enable_interactive_logging if saved[5] else config.disable_interactive_logging)()
    config.set_max_epochs(saved[6])
    config.set_max_steps_per_epoch(saved[7])


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_docstring_examples(test: doctest.DocTest) -> None:
    test.globs = {**test.globs, **READER_NAMES}
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=True)
    assert runner.failures == 0, "".join(report)
