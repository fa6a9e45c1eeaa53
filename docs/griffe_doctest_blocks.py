"""A griffe extension that shows docstring examples as code in the API reference.

Keras-style docstrings write their examples as bare doctest blocks (`>>>`
lines followed by the expected output, ended by a blank line), which Python's
doctest runs but Markdown reads as nested block quotes. Each such block is
wrapped in a ```` ```pycon ```` fence before mkdocstrings parses the docstring
(listed under `extensions:` in mkdocs.yml); fenced blocks already in a
docstring are left as they are.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctest_blocks(text: str) -> str:
    """`text` with every bare doctest block inside a pycon code fence."""
    out: list[str] = []
    in_fence = False
    in_block = False
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if in_block and not stripped:
            out.append(f"{indent}```")
            in_block = False
        if not in_block and stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and not in_block and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_block = True
        out.append(line)
    if in_block:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fences the doctest blocks of every object's docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctest_blocks(obj.docstring.value)
