"""MkDocs hooks for pykeras's documentation (`hooks:` in mkdocs.yml).

Two things MkDocs cannot do from static files alone:

- The home page is the README, so the two never drift apart: `index.md` is
  generated from `README.md` at build time (the README's links point into
  `docs/`; they are rewritten to the pages' names).
- An API page's `::: pykeras.<module>` line gets the module's public names as
  its `members`, read from the imported module (`__all__`, or the public
  attributes when a package has no `__all__`). mkdocstrings, reading the source
  statically, only renders names it can prove re-exported; most of pykeras's
  namespaces re-export classes from one module per class, through star imports
  and `__all__ +=` lines it cannot follow.

The build imports pykeras, so it runs against the installed package (from
`tests/`, as tests/run.sh does), which has the compiled core.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

# `::: pykeras.x`, with the `options:` line that may follow it.
_DIRECTIVE = re.compile(r"^::: (pykeras(?:\.[\w.]+)?)[ \t]*\n(    options:\n)?", re.MULTILINE)


def on_files(files: Files, config: Any) -> Files:
    readme = Path(config["config_file_path"]).parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    # README links such as `docs/custom-training.md` name the guide pages.
    text = re.sub(r"\]\(docs/([\w.-]+\.md)", r"](\1", text)
    files.append(File.generated(config, "index.md", content=text))
    return files


def public_names(module_name: str) -> list[str]:
    """The names `module_name` offers its users, submodules left out (they
    have pages of their own)."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        # Without `__all__`: what the module defines, or for a package what it
        # gathers from pykeras's modules; not the helpers it imports.
        package = hasattr(module, "__path__")
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and (
                obj.__module__.startswith("pykeras.") if package else obj.__module__ == module_name
            )
        ]
    return sorted(
        {n for n in names if not inspect.ismodule(getattr(module, n, None))},
        key=lambda n: (n.lower(), n),
    )


def _with_members(match: re.Match[str]) -> str:
    module_name = match.group(1)
    members = ", ".join(public_names(module_name))
    # A page's own options (after `options:`) follow the members line.
    return f"::: {module_name}\n    options:\n      members: [{members}]\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    return _DIRECTIVE.sub(_with_members, markdown)
