"""Every generated field is tried at load, so a spec whose expressions raise never starts.

An `expr` that parses can still fail on some items (`originalAmount / (index - 3)`, a key missing
from a dict); served, that was a 500 on whichever page held the item. Items 0 to 4 and the last of
a probe collection, in default and edge data, are generated once at start-up and by
`mockserver check`; a failure is one line naming the operation, the item and the field.
"""

from __future__ import annotations

import traceback
from typing import Any

from .dataset import Collection, World
from .spec import Operation, Spec, SpecError

PROBE_SIZE = 50
INDICES = (0, 1, 2, 3, 4, PROBE_SIZE - 1)
SCENARIOS = ("", "edge")


def check(world: World, specs: list[Spec]) -> None:
    for spec in specs:
        for op in spec.operations:
            if "collection" in op.mock:
                _try(world, op)


def _try(world: World, op: Operation) -> None:
    recipe = world.recipe_for(op)
    params = {name: _example(p) for name, p in op.path_params.items()}
    own = {n: params[n] for n in recipe.key_params if n in params}
    for scenario in SCENARIOS:
        probe = Collection(world, recipe, recipe.key_of(params), own, PROBE_SIZE, scenario)
        for index in INDICES:
            try:
                probe.item(index)
            except Exception as exc:  # anything an expression can raise
                where = f"paths.{op.path}.{op.method}.x-mock.collection.item ({op.mock['collection']['item']})"
                data = "edge data (Prefer: scenario=edge)" if scenario else "default data"
                raise SpecError(f"{op.spec.path}: {where}: item {index} of {data} cannot be generated: "
                                f"{describe(exc)}; an x-faker hint must hold for every item "
                                "(`mockserver check` tries items 0-4 and the last)") from None


def describe(exc: BaseException) -> str:
    """`<x-faker finalAmount> raised ZeroDivisionError: ...`: a compiled expression's label names its field."""
    labels = [frame.filename for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.startswith("<")]
    return (f"{labels[-1]} raised " if labels else "") + f"{type(exc).__name__}: {exc}"


def _example(parameter: Any) -> Any:
    if parameter.examples:
        return parameter.examples[0]
    return 1 if (parameter.schema or {}).get("type") == "integer" else "example"
