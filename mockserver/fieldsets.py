"""Sparse fieldsets by dotted paths, shared by every dialect's own syntax."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable


def keep(obj: Any, paths: Iterable[str]) -> Any:
    """Only the given dotted paths of `obj`; paths that do not exist are silently dropped."""
    return _keep(obj, _tree(tuple(paths)))


def keep_each(items: list, paths: Iterable[str]) -> list:
    tree = _tree(tuple(paths))
    return [_keep(item, tree) for item in items]


@lru_cache(maxsize=1024)
def _tree(paths: tuple[str, ...]) -> dict:
    tree: dict = {}
    for path in paths:
        node = tree
        parts = [p for p in path.split(".") if p]
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                node[part] = True  # the whole subtree
            else:
                child = node.setdefault(part, {})
                if child is True:
                    break
                node = child
    return tree


def _keep(obj: Any, tree: dict) -> Any:
    if isinstance(obj, list):
        return [_keep(v, tree) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, sub in tree.items():
        if key not in obj:
            continue
        if sub is True:
            out[key] = obj[key]
        elif isinstance(obj[key], (dict, list)):  # `a.b` under a plain value names nothing: dropped
            out[key] = _keep(obj[key], sub)
    return out
