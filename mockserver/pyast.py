"""Python ASTs made and compiled one thread at a time.

CPython 3.11 converts between its C syntax tree and `ast` objects with one recursion counter per
interpreter, not per thread. Two threads doing it at once (apps built side by side, as tests and
`--reload` do, while expressions are compiled) can fail with "SystemError: AST constructor
recursion depth mismatch": CI saw 13 such errors in one run. Every `ast.parse` and every compile of
an `ast` tree in the mock goes through this lock. Compiling source text needs no `ast` objects
and no lock.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.RLock()


def parse(source: str, mode: str = "exec") -> ast.AST:
    with _LOCK:
        return ast.parse(source, mode=mode)


def compile_tree(tree: ast.AST, filename: str, mode: str) -> Any:
    with _LOCK:
        return compile(tree, filename, mode)
