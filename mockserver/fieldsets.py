"""Sparse fieldsets by dotted paths, shared by every dialect's own syntax."""

from __future__ import annotations

from typing import Any, Iterable


def keep(obj: Any, paths: Iterable[str]) -> Any:
    """Only the given dotted paths of `obj`; paths that do not exist are silently dropped."""
    tree = _tree(paths)
    return _keep(obj, tree)


def drop(obj: Any, paths: Iterable[str]) -> Any:
    """`obj` without the given dotted paths."""
    tree = _tree(paths)
    return _drop(obj, tree)


def _tree(paths: Iterable[str]) -> dict:
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


def _drop(obj: Any, tree: dict) -> Any:
    if isinstance(obj, list):
        return [_drop(v, tree) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        sub = tree.get(key)
        if sub is True:
            continue
        out[key] = value if sub is None else _drop(value, sub)
    return out
