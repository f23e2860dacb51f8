"""`Accept` negotiation: which of the media types an operation offers a client will take.

The offered types come from the spec (the documented response's `content`), the first being the
documented default; a client that accepts none of them gets a 406 in the vendor's envelope.
"""

from __future__ import annotations

import re
from functools import lru_cache


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")


@lru_cache(maxsize=4096)
def _ranges(accept: str) -> tuple[tuple[str, str, float], ...]:
    """`text/csv;q=0.5, application/*` -> ((text, csv, 0.5), (application, *, 1.0)). Ranges that
    are not `type/subtype` are ignored (a bare `*` is read as `*/*`), as RFC 9110 lets a server
    treat a malformed field: garbage does not turn a request into a 406."""
    out = []
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        media = "*/*" if media == "*" else media.lower()
        kind, slash, sub = media.partition("/")
        if not slash or not _TOKEN.match(kind) or not _TOKEN.match(sub):
            continue
        q: float | None = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = None  # an unreadable weight: the range is ignored too
        if q is not None:
            out.append((kind, sub, q))
    return tuple(out)


def quality(accept: str, media_type: str) -> tuple[float, int]:
    """How much the client wants `media_type`: the q of the most specific matching range, and how
    specific that range is (2 = `type/subtype`, 1 = `type/*`, 0 = `*/*`, -1 = no match)."""
    kind, _, sub = media_type.lower().partition("/")
    best, specificity = 0.0, -1
    for r_kind, r_sub, q in _ranges(accept):
        if r_kind == "*" or (r_kind == kind and r_sub in ("*", sub)):
            level = (r_kind != "*") + (r_sub != "*")
            if level > specificity:
                best, specificity = q, level
    return best, specificity


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered type the client prefers; at equal q the one it named more specifically (axios'
    `application/json, text/plain, */*` gets JSON, as Django REST framework answers it), then the
    earlier, i.e. the documented default. None when it accepts none; no `Accept` accepts anything."""
    if not offered:
        return None
    if not accept or not _ranges(accept):  # absent, or nothing readable in it: anything goes
        return offered[0]
    scored = [(*quality(accept, media), -i, media) for i, media in enumerate(offered)]
    q, _, _, media = max(scored)
    return media if q > 0 else None
