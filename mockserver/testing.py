"""Hypothesis strategies of worlds: check an API client the way Hypothesis checks code.

    from hypothesis import given
    from mockserver.testing import worlds

    @given(world=worlds("elasticpath-promotions"))
    def test_sync(world):
        with world.client() as api:                  # an httpx client on the app serving this world
            assert sync_codes(api, "P") == world.expected("getPromotionCodes", promotionID="P")

The bugs clients ship are data-shaped: a last page exactly `limit` long, an empty collection, a
nullable field that is null. A world draws, per collection, a size around the default page size
(0, 1, limit-1, limit, limit+1, a few larger) and edge values the schema allows, and expresses
them as pinned records (`replace: true`) that the mock's own generator completes. So every
invariant of the mock holds (totals, links, remaining uses, `included`), Hypothesis shrinks a
failure to the smallest world, and the failure report is a pins file: `mockserver serve --spec
SPEC --seed N --fixtures world.yaml` replays it.

One app per (spec, seed) serves every world in turn (re-pinned when the next world is served),
so use one world at a time. A world's largest examples can exceed Hypothesis' 200 ms deadline on
a busy machine: `@settings(deadline=None)`.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Iterator

import httpx
import jsonschema_rs
import orjson
import yaml
from hypothesis import currently_in_test_context, note
from hypothesis import strategies as st

from . import served
from .app import Settings, create_app
from .dataset import Pin, World as Dataset
from .dotted import dig
from .fake import EDGE_STRINGS
from .scripts import raise_on_short_body
from .spec import load_specs

TOKEN = "test-token"
UUID_PARAM = "00000000-0000-4000-8000-000000000001"
DERIVED = {"expr", "from", "path", "seq", "uuid_from", "const", "timeline", "after", "before"}
TIMES = {"timeline", "after", "before"}
EDGY = 6  # records of a collection that carry edge values, at most


# ----------------------------------------------------------------------------- the app

@lru_cache(maxsize=32)
def _app(spec: str, seed: int):
    """One app per (spec, seed), re-pinned for each world: building one takes 50-400 ms."""
    return create_app(Settings(specs=[spec], seed=seed))


@lru_cache(maxsize=8)
def _specs(spec: str) -> tuple:
    return tuple(load_specs([spec]))


@lru_cache(maxsize=32)
def _reference(spec: str, seed: int) -> Dataset:
    """The data `expected` reads when the app's has been changed by a script (the world as drawn)."""
    return Dataset(list(_specs(spec)), seed=seed)


def _serving(app, world: "World"):
    """Pin `world` on `app` unless it is already what the app serves, untouched."""
    state = app.state
    if getattr(state, "serving", None) is world and state.scripts.saved_pins is None and not state.scripts.rules:
        return app
    state.scripts.clear()
    _pin(state.world, world.fixtures)
    state.serving = world
    return app


def _pin(data: Dataset, pins: list[dict]) -> None:
    """Pin every collection of a world at once (one cache clear). A world is valid by construction
    (tests/test_worlds.py serves hundreds against the response schemas), so the per-record checks
    of `fixtures.apply`, which a pins file from a user needs, are skipped here."""
    data.pins.clear()
    for fixture in pins:
        recipe = data.by_operation_id[fixture["operation"]]
        data.pins[(recipe.id, recipe.key_of(fixture["params"]))] = Pin(tuple(fixture["records"]), True)
    data.clear_caches()


@lru_cache(maxsize=8)
def _pristine(spec: str, seed: int) -> Dataset:
    """The generated data with no pins: where a world's records take their order and identities from."""
    return Dataset(list(_specs(spec)), seed=seed)


def _endpoint(app, operation_id: str):
    for route in app.routes:
        endpoint = getattr(route, "endpoint", None)
        if getattr(getattr(endpoint, "op", None), "operation_id", None) == operation_id:
            return endpoint
    known = sorted({r.endpoint.op.operation_id for r in app.routes if hasattr(r.endpoint, "op")})
    raise KeyError(f"no operation {operation_id!r} in this world; known: {', '.join(known)}")


# ----------------------------------------------------------------------------- a world

@dataclass
class World:
    """Pinned collections of one spec; served by the mock's app, as any pins file would be."""

    spec: str
    seed: int
    fixtures: list[dict] = field(default_factory=list)

    def __repr__(self) -> str:
        held = "; ".join(f"{f['operation']}({', '.join(f'{k}={v}' for k, v in f['params'].items())}): "
                         f"{len(f['records'])} records" for f in self.fixtures)
        return f"World({self.spec!r}, seed={self.seed}, {held or 'nothing pinned'})"

    def _repr_pretty_(self, printer, cycle) -> None:  # Hypothesis' "Failing test case" line
        printer.text(repr(self))

    def pins(self) -> str:
        """The world as a pins file (YAML, a record a line), with the command that replays it."""
        lines = [f"# replay: mockserver serve --spec {self.spec} --seed {self.seed} --fixtures world.yaml",
                 f"# {self!r}", "fixtures:"]
        for fixture in self.fixtures:
            head = [_flow({k: v})[1:-1] for k, v in fixture.items() if k != "records"]
            lines += [("  - " if i == 0 else "    ") + pair for i, pair in enumerate(head)]
            lines.append("    records:" + ("" if fixture["records"] else " []"))
            lines += [f"      - {_flow(record)}" for record in fixture["records"]]
        return "\n".join(lines) + "\n"

    def app(self):
        """The app, serving this world (and nothing another world pinned), with an empty journal."""
        app = _serving(_app(self.spec, self.seed), self)
        app.state.journal.clear()
        return app

    @contextlib.contextmanager
    def client(self, port: bool = False, scripts: list | None = None) -> Iterator[Any]:
        """An httpx client with a valid token: in-process (Starlette's TestClient) or, with `port`,
        over TCP to a server on a free loopback port. `scripts` adds fault-script rules."""
        app = self.app()
        if scripts:
            app.state.scripts.add(scripts)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        if port:
            from .pytest_plugin import BackgroundServer

            with BackgroundServer(app=app) as server, httpx.Client(base_url=server.url, headers=auth) as client:
                yield client
            return
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient")
            from starlette.testclient import TestClient
        with TestClient(app, headers=auth) as client:
            client.event_hooks["response"].append(raise_on_short_body)  # a cut body fails as over TCP
            yield client

    def items(self, operation_id: str, **path_params: Any) -> list[dict]:
        """Every item a client paging with no parameters sees, in that order."""
        app = _app(self.spec, self.seed)
        endpoint = _endpoint(app, operation_id)
        if getattr(app.state, "serving", None) is not self or app.state.scripts.saved_pins is not None:
            data = _reference(self.spec, self.seed)  # the world as drawn, not as a script changed it
            if getattr(data, "serving", None) is not self:
                _pin(data, self.fixtures)
                data.serving = self
            endpoint = SimpleNamespace(validator=endpoint.validator, dialect=endpoint.dialect, world=data,
                                       recipe=data.recipe_for(endpoint.op))
        return served.in_default_order(endpoint, {k: str(v) for k, v in path_params.items()})

    def expected(self, operation_id: str, **path_params: Any) -> list:
        """What a correct client ends up with: the identity (`x-mock.collection.identity`) of every
        item, in the default order."""
        identity = _endpoint(_app(self.spec, self.seed), operation_id).recipe.identity
        return [dig(item, identity) for item in self.items(operation_id, **path_params)]


class _Pins:
    """A note that Hypothesis formats only for the failing example it reports."""

    def __init__(self, world: World):
        self.world = world

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.world.pins().rstrip("\n"))


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False).strip()



# ----------------------------------------------------------------------------- the strategy

def _default_value(param) -> str:
    fmt = (param.schema or {}).get("format")
    return UUID_PARAM if fmt == "uuid" else "P"


def sizes_for(op, larger: int = 2) -> list[int]:
    """0, 1, limit-1, limit, limit+1, then `larger` multiples of the default page size (+1 each)."""
    paging = op.mock.get("paging") or {}
    limit = None
    for name in (paging.get("limit"), paging.get("page_size")):
        if name and name in op.query_params:
            limit = (op.query_params[name].schema or {}).get("default")
            if limit:
                break
    limit = int(limit or 25)
    out = [0, 1, limit - 1, limit, limit + 1]
    for k in range(2, 2 + larger):
        out += [k * limit, k * limit + 1]
    return sorted(set(n for n in out if n >= 0))


def edge_fields(recipe) -> dict[str, list]:
    """Per leaf field a pinned record may set: the edge values its schema allows (nulls only where
    the spec allows them). Fields other fields are derived from, and the order, are left alone."""
    out: dict[str, list] = {}
    _walk(recipe.item_schema, "", out, skip={recipe.identity, *recipe.ordered_by})
    return out


def _walk(schema: dict, prefix: str, out: dict, skip: set) -> None:
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        hint = sub.get("x-faker") or {}
        hint = {"pool": hint} if isinstance(hint, str) else hint
        if hint.get("skip"):  # the dialect writes it (a JSON:API self link)
            continue
        kinds = sub.get("type") if isinstance(sub.get("type"), list) else [sub.get("type")]
        if ("object" in kinds or "properties" in sub) and not (DERIVED & set(hint)) and "bind" not in hint:
            _walk(sub, f"{path}.", out, skip)
            continue
        if "array" in kinds and (hint.get("count") == [1, 1]) and isinstance(sub.get("items"), dict):
            _walk(sub["items"], f"{path}.0.", out, skip)
            continue
        if path in skip or "omit_if" in hint:
            continue
        values = _candidates(sub, hint, kinds)
        if values:
            out[path] = values


def _candidates(schema: dict, hint: dict, kinds: list) -> list:
    nullable = "null" in kinds or bool(hint.get("nulls")) or bool(hint.get("null_cycle"))
    derived = DERIVED & set(hint)
    values: list = []
    if nullable and not (derived - TIMES):
        values.append(None)
    if derived:
        return values
    if "enum" in schema:
        values += [v for v in schema["enum"] if v is not None]
    elif "choice" in hint or "cycle" in hint:
        values += list(hint.get("choice") or hint["cycle"])
    elif "boolean" in kinds:
        values += [False, True]
    elif "integer" in kinds or "number" in kinds:
        values += [schema[b] for b in ("minimum", "maximum") if b in schema]
    elif "string" in kinds and not schema.get("format"):
        longest = int(schema.get("maxLength", 255))
        values += ["O'Brien \"The Hammer\" <b>&amp;</b>", *EDGE_STRINGS[:4], "x" * longest]
    checker = jsonschema_rs.validator_for({k: v for k, v in schema.items() if k != "x-faker"}, validate_formats=True)
    return [v for i, v in enumerate(values) if checker.is_valid(v) and v not in values[:i]]


def _set(record: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target: Any = record
    for part, following in zip(parts, parts[1:]):
        if part.isdigit():
            continue
        default: Any = [{}] if following.isdigit() else {}
        target = target.setdefault(part, default)
        if isinstance(target, list):
            target = target[0]
    target[parts[-1]] = value


def _base(pristine: Dataset, recipe, params: dict, size: int, index: int) -> dict:
    """Item `index` of a natural collection of `size`: its identity and ordering fields, so a world's
    records are ordered and unique as generated ones are."""
    return orjson.loads(_base_json(pristine, recipe.id, tuple(sorted(params.items())), size, index))


@lru_cache(maxsize=200_000)
def _base_json(pristine: Dataset, recipe_id: str, params_items: tuple, size: int, index: int) -> bytes:
    """Cached here: any world's pins clear the generator's own item cache."""
    recipe = pristine.recipes[recipe_id]
    item = pristine.item(recipe_id, recipe.key_of(dict(params_items)), params_items, size, index)
    record: dict = {}
    for path in [recipe.identity, *recipe.ordered_by]:
        if path and dig(item, path) is not None:
            _set(record, path, dig(item, path))
    return orjson.dumps(record)


@st.composite
def _collection(draw, pristine: Dataset, recipe, params: dict, edges: dict, sizes: list[int]) -> dict:
    size = draw(st.sampled_from(sizes), label=f"{recipe.op.operation_id} size")
    records = [_base(pristine, recipe, params, size, index) for index in range(size)]
    if size and edges:  # a few records carry edge values: shrinking takes them away one by one
        values = st.fixed_dictionaries({}, optional={path: st.sampled_from(v) for path, v in edges.items()})
        for index, changes in draw(st.lists(st.tuples(st.integers(0, size - 1), values), max_size=EDGY),
                                   label=f"{recipe.op.operation_id} edge values"):
            for path, value in changes.items():
                _set(records[index], path, value)
    return {"operation": recipe.op.operation_id, "params": dict(params), "replace": True, "records": records}


def worlds(spec: str, *, params: dict | None = None, seeds: st.SearchStrategy[int] | None = None,
           children: int = 2, larger: int = 2) -> st.SearchStrategy[World]:
    """Worlds of one bundled (or user) spec.

    `params` names the path parameters of the collections drawn (default: `P`, or a fixed UUID
    where the parameter is one). Collections listed in another (Elastic Path's usages of a listed
    code) are drawn for up to `children` of the parent's records; `larger` is how many multiples of
    the default page size are drawn after limit+1. The fields a world does not set come from the
    generator, from the seed and the record's position; `seeds` draws the seed (default 0, so
    every world shares one app; e.g. `st.integers(0, 3)` for more variety, at one app per seed)."""
    specs = _specs(spec)
    recipes = _pristine(spec, 0).recipes
    chosen = dict(params or {})
    for loaded in specs:
        for op in loaded.operations:
            for name, param in op.path_params.items():
                chosen.setdefault(name, _default_value(param))
    plan = [(r, edge_fields(r), sizes_for(r.op, larger)) for r in recipes.values()]
    seeds = seeds if seeds is not None else st.just(0)

    @st.composite
    def world(draw) -> World:
        seed = draw(seeds, label="seed")
        pristine = _pristine(spec, 0)  # order and identities; the seed decides the rest of each record
        drawn: list[dict] = []
        for recipe, edges, sizes in plan:
            if recipe.listed_in:
                continue
            params_ = {n: chosen[n] for n in recipe.key_params}
            drawn.append(draw(_collection(pristine, recipe, params_, edges, sizes)))
        for recipe, edges, sizes in plan:
            rule = recipe.listed_in
            if not rule:
                continue
            parent = next((f for f in drawn if f["operation"] == rule["operation"]), None)
            if parent is None or not parent["records"]:
                continue
            parent_recipe = pristine.by_operation_id[rule["operation"]]
            picks = draw(st.lists(st.sampled_from(range(len(parent["records"]))), max_size=children, unique=True),
                         label=f"{recipe.op.operation_id} parents")
            for pick in sorted(picks):
                params_ = {**{n: chosen[n] for n in recipe.key_params if n in chosen},
                           **{c: parent["params"][p] for p, c in (rule.get("params") or {}).items()}}
                params_[rule["identity"]] = str(dig(parent["records"][pick], parent_recipe.identity))
                params_ = {n: params_[n] for n in recipe.key_params}
                drawn.append(draw(_collection(pristine, recipe, params_, edges, sizes)))
        result = World(spec, seed, drawn)
        if currently_in_test_context():
            note(_Pins(result))  # formatted only for the failing example Hypothesis reports
        return result

    return world()


__all__ = ["World", "worlds", "sizes_for", "edge_fields"]
