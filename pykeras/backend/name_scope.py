"""Name scopes: where a variable's `path` comes from, as in Keras 3.

A variable created inside `name_scope("block")` of a layer's scope gets
the path `block/dense/kernel`. A layer opens its scope around its build and
call, rooted where it was first called, so weights built inside a model's
scope are `sequential/dense/kernel` and those of a subclassed model's
sublayers `my_model/dense/kernel`, exactly as Keras names them (the paths
`.h5` files store and `OptimizerMap` matches). The stack is per thread.
"""

from __future__ import annotations

import threading
from typing import Any

from pykeras.errors import InvalidArgumentError


class _Stack(threading.local):
    def __init__(self) -> None:
        self.scopes: list[name_scope] = []


_STACK = _Stack()


class name_scope:  # noqa: N801 (Keras's public name)
    """Creates a sub-namespace for variable paths.

    Args:
        name: the scope's name (a string without `/`).
        caller: the object opening it (a layer); re-entering the scope its
            caller has open adds no level.
        deduplicate: whether that re-entry adds no level.
        override_parent: an absolute path replacing the scopes open outside
            this one (a layer's scope is rooted where it was first called).

    Example:

    >>> with keras.name_scope("block"):
    ...     v = keras.Variable(1.0, name="scale")
    >>> v.path
    'block/scale'
    """

    def __init__(
        self,
        name: str,
        caller: Any = None,
        deduplicate: bool = True,
        override_parent: str | None = None,
    ) -> None:
        if not isinstance(name, str) or "/" in name:
            raise InvalidArgumentError(
                "name_scope: argument `name` must be a string and cannot contain the "
                f"character `/`. Received: name={name!r}"
            )
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        if override_parent is None and deduplicate:
            override_parent = getattr(caller, "_parent_path", None)
        self.override_parent = override_parent
        self._pop_on_exit = False

    def __enter__(self) -> name_scope:
        stack = _STACK.scopes
        if self.deduplicate and stack and self.caller is not None:
            top = stack[-1]
            if top.caller is self.caller and top.name == self.name:
                return self
        stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pop_on_exit:
            stack = _STACK.scopes
            if stack and stack[-1] is self:
                stack.pop()
            elif self in stack:
                stack.remove(self)
            self._pop_on_exit = False


def current_path() -> str:
    """The path of the scopes open on this thread (`""` outside any)."""
    parts: list[str] = []
    for scope in _STACK.scopes:
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)


def variable_path(name: str) -> str:
    """The path of a variable named `name` created here."""
    parent = current_path()
    return f"{parent}/{name}" if parent else name
