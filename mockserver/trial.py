"""Every generated field is tried at load, so a spec whose expressions raise never starts.

An `expr` that parses can still fail on some items (`originalAmount / (index - 3)`, a key missing
from a dict); served, that was a 500 on whichever page held the item. Items 0 to 2 and the last of
a probe collection, and item 0 of edge data, are generated once at start-up and by
`mockserver check`; a failure is one line naming the operation, the item and the field.
"""

from __future__ import annotations

import traceback
from typing import Any

from .dataset import Collection, World
from .spec import Operation, Spec, SpecError

PROBE_SIZE = 50
# (scenario, items): edge data (nulls, odd strings) once; an item can cost a whole child collection
# (an Elastic Path code sums its usages), so the trial stays a few items long (start-up < 1 s).
TRIALS = (("", (0, 1, 2, PROBE_SIZE - 1)), ("edge", (0,)))


def check(world: World, specs: list[Spec]) -> None:
    for spec in specs:
        for op in spec.operations:
            if "collection" in op.mock:
                _try(world, op)


def _try(world: World, op: Operation) -> None:
    recipe = world.recipe_for(op)
    params = {name: _example(p) for name, p in op.path_params.items()}
    own = {n: params[n] for n in recipe.key_params if n in params}
    for scenario, indices in TRIALS:
        probe = Collection(world, recipe, recipe.key_of(params), own, PROBE_SIZE, scenario)
        for index in indices:
            try:
                probe.item(index)
            except Exception as exc:  # anything an expression can raise
                where = f"paths.{op.path}.{op.method}.x-mock.collection.item ({op.mock['collection']['item']})"
                data = "edge data (Prefer: scenario=edge)" if scenario else "default data"
                raise SpecError(f"{op.spec.path}: {where}: item {index} of {data} cannot be generated: "
                                f"{describe(exc)}; an x-faker hint must hold for every item "
                                "(start-up and `mockserver check` try items 0-2 and the last)") from None


def describe(exc: BaseException) -> str:
    """`<x-faker finalAmount> raised ZeroDivisionError: ...`: a compiled expression's label names its field."""
    labels = [frame.filename for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.startswith("<")]
    return (f"{labels[-1]} raised " if labels else "") + f"{type(exc).__name__}: {exc}"


def _example(parameter: Any) -> Any:
    if parameter.examples:
        return parameter.examples[0]
    return 1 if (parameter.schema or {}).get("type") == "integer" else "example"
