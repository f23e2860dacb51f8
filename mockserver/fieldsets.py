"""Sparse fieldsets by dotted paths, shared by every dialect's own syntax."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Iterable


def keep(obj: Any, paths: Iterable[str]) -> Any:
    """Only the given dotted paths of `obj`; paths that do not exist are silently dropped."""
    return projector(tuple(paths))(obj)


def keep_each(items: list, paths: Iterable[str]) -> list:
    """The projection of every item of a page. Items are immutable and shared by the caches, so
    each item's projection is remembered (keyed by identity, bounded) instead of rebuilt per request."""
    paths = tuple(paths)
    project, memo = projector(paths), _memo(paths)
    out = []
    for item in items:
        seen = memo.get(id(item))
        if seen is None or seen[0] is not item:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            seen = memo[id(item)] = (item, project(item))
        out.append(seen[1])
    return out


MEMO_SIZE = 20_000


@lru_cache(maxsize=64)
def _memo(paths: tuple[str, ...]) -> dict:
    return {}


@lru_cache(maxsize=1024)
def projector(paths: tuple[str, ...]) -> Callable[[Any], Any]:
    """A function that keeps `paths`, compiled once per fieldset (it runs for every item of a page)."""
    return _compile(_tree(paths))


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


def _compile(tree: dict) -> Callable[[Any], Any]:
    fields = tuple((key, None if sub is True else _compile(sub)) for key, sub in tree.items())
    whole = frozenset(key for key, inner in fields if inner is None)
    leaves_only = len(whole) == len(fields)

    def project(obj: Any) -> Any:
        if isinstance(obj, list):
            return [project(v) for v in obj]
        if not isinstance(obj, dict):
            return obj
        if leaves_only and obj.keys() <= whole:  # nothing to drop: items are never mutated, so share it
            return obj
        out = {}
        for key, inner in fields:  # in the order asked for
            if key not in obj:
                continue
            if inner is None:
                out[key] = obj[key]
            elif isinstance(obj[key], (dict, list)):  # `a.b` under a plain value names nothing: dropped
                out[key] = inner(obj[key])
        return out

    return project
