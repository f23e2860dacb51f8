"""What the bundled specs state only in prose (`info.description`), written down once.

Page metadata and per-item invariants are read from the spec (`x-mock.paging.meta`,
`x-mock.invariants`); what stays here relates two operations or forbids a combination of
parameters, which no schema can say. Each entry quotes the sentence it comes from.

- CROSS_CHECKS                 relations between two operations' data
- conformance_query_filter     request combinations the schema allows but the prose forbids
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.dialects.jsonapi import fieldsets_clash

def page_meta(op) -> dict[str, str]:
    """Where a page reports its number, size and page count (`x-mock.paging.meta`)."""
    return (op.mock.get("paging") or {}).get("meta") or {}


def invariants(op) -> list[str]:
    """Relations between one item's fields (`x-mock.invariants`)."""
    return list(op.mock.get("invariants") or [])


# --------------------------------------------------------------------------- cross-operation

MAX_CODES_FOLLOWED = 3


def elasticpath_remaining_uses(target, run, child_target: Callable[[str], Any]) -> None:
    """Elastic Path: "`codes.uses` is the *remaining* number of uses: `max_uses` minus the sum of
    `times_used` over the code's usages." Followed for a few codes that carry `max_uses`."""
    codes = target.collection().items  # `x-contract.read` spreads the `data[].data.codes[]` wrappers
    limited = [c for c in codes if isinstance(c, dict) and isinstance(c.get("max_uses"), int)]
    if not limited:
        run.note("no code on this promotion carries max_uses; nothing to sum")
        return
    for code in limited[:MAX_CODES_FOLLOWED]:
        usages = child_target(code["code"])
        if usages is None:
            run.note("no usages operation found to sum times_used over")
            return
        walk = usages.collection()
        used = sum(u.get("times_used") or 0 for u in walk.items)
        run.expect(walk.complete, f"the usages of code {code['code']!r} can be walked to the end",
                   expected="a short last page", actual=f"{len(walk.pages)} full pages", response=walk.pages[-1].response)
        run.expect(code.get("uses") == code["max_uses"] - used,
                   f"code {code['code']!r}: uses == max_uses - sum(times_used of its usages)",
                   expected=f"{code['max_uses']} - {used} = {code['max_uses'] - used}", actual=f"uses={code.get('uses')!r}",
                   response=target.collection().pages[0].response)


CROSS_CHECKS: dict[str, Callable] = {
    "getPromotionCodes": elasticpath_remaining_uses,
}


# -------------------------------------------------------------------------------- conformance

def nuweb_fieldset_clash(query: dict) -> bool:
    """NuWeb: "Naming the same resource in both [`only` and `except`] is a 422." The schema cannot say
    so, so Schemathesis would call such a request valid; it is left out of positive data."""
    return fieldsets_clash(query, "discountCodes")


QUERY_EXCLUSIONS: dict[str, Callable[[dict], bool]] = {
    "listDiscountCodes": nuweb_fieldset_clash,
}


def conformance_query_filter(operation_id: str) -> Callable[[dict], bool] | None:
    """A predicate that keeps a generated query, or None when every query may be sent."""
    excluded = QUERY_EXCLUSIONS.get(operation_id)
    if excluded is None:
        return None
    return lambda query: not excluded(query or {})
