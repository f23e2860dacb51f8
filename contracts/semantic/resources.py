"""Which concrete resource a list check looks at: values for the path parameters.

In order: the spec's own `example`; a real identity from the parent collection (Elastic Path's
usages live under a code, so a code name comes from the codes endpoint); otherwise a fixed value
such as `promo-1`. Among a few candidates the first non-empty collection wins, so paging, sort and
filter checks have data to work on.
"""

from __future__ import annotations

import itertools
import re
from typing import Callable

from mockserver.spec import Operation, Parameter

FALLBACK_STRINGS = ("promo-1", "promo-2", "promo-3")
FALLBACK_UUIDS = tuple(f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
MAX_CANDIDATES = 3
_PARAM = re.compile(r"^{([^}]+)}$")


def documented_example(op: Operation, name: str) -> str | None:
    for raw in op.raw.get("parameters", []):
        if raw.get("name") != name or raw.get("in") != "path":
            continue
        if "example" in raw:
            return str(raw["example"])
        for example in (raw.get("examples") or {}).values():
            if isinstance(example, dict) and "value" in example:
                return str(example["value"])
        schema = raw.get("schema") or {}
        if "example" in schema:
            return str(schema["example"])
        if schema.get("examples"):
            return str(schema["examples"][0])
    return None


def fallback_values(param: Parameter) -> tuple[str, ...]:
    schema = param.schema
    if schema.get("format") == "uuid":
        return FALLBACK_UUIDS
    if schema.get("type") == "integer":
        return ("1", "2", "3")
    return FALLBACK_STRINGS


def parent_of(op: Operation, operations: list[Operation]) -> tuple[Operation, dict[str, str], str] | None:
    """The list operation whose path leads to this one's last parameter, e.g. `/promotions/{p}/codes`
    for `/promotions/{id}/codes/{code-name}/usages`: (parent, {parent param: our param}, our param)."""
    ours = op.path.strip("/").split("/")
    best = None
    for other in operations:
        if other is op or "collection" not in other.mock or other.method != "get":
            continue
        theirs = other.path.strip("/").split("/")
        if len(theirs) >= len(ours) or not _PARAM.match(ours[len(theirs)]):
            continue
        mapping = {}
        for a, b in zip(theirs, ours):
            ma, mb = _PARAM.match(a), _PARAM.match(b)
            if bool(ma) != bool(mb) or (not ma and a != b):
                break
            if ma:
                mapping[ma.group(1)] = mb.group(1)
        else:
            if best is None or len(theirs) > len(best[0].path.strip("/").split("/")):
                best = (other, mapping, _PARAM.match(ours[len(theirs)]).group(1))
    return best


def candidate_path_values(op: Operation, operations: list[Operation],
                          resolve: Callable[[Operation], dict[str, str]],
                          identities_of: Callable[[Operation, dict[str, str]], list[str]]) -> list[dict[str, str]]:
    """Up to MAX_CANDIDATES assignments of the path parameters, best first."""
    choices: dict[str, tuple[str, ...]] = {}
    parent = parent_of(op, operations)
    if parent is not None:
        parent_op, mapping, child_param = parent
        parent_values = resolve(parent_op)
        for theirs, ours in mapping.items():
            choices[ours] = (parent_values[theirs],)
        real = identities_of(parent_op, parent_values)[:MAX_CANDIDATES]
        if real:
            choices[child_param] = tuple(real)
    for name, param in op.path_params.items():
        if name in choices:
            continue
        example = documented_example(op, name)
        fallbacks = fallback_values(param)  # after the example, in case its collection is empty
        choices[name] = (example, *fallbacks) if example is not None else fallbacks
    names = list(choices)
    combos = itertools.product(*(choices[n] for n in names))
    return [dict(zip(names, combo)) for combo in itertools.islice(combos, MAX_CANDIDATES)]
