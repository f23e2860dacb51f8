"""Collections of generated items: item *i* is a pure function of (seed, operation, key, i).

A `World` holds the compiled recipes of every operation and the caches. Nothing in it depends on
the order of requests, so any number of processes or replicas with the same seed serve the same
data; the caches only save work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterable

from . import fastpath
from .dotted import dig
from .draws import Draws, collection_key, item_key
from .fake import Ctx, SchemaCompiler, compile_identity_index, cycle_sum, rng_for
from .periodic import NOT_NULL, CycleField
from .lru import WeightedLRU
from .responses import response_cache
from .sortindex import SortIndexes
from .spec import Operation, Spec

DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SizeRule:
    """How many items a collection has: `empty` of them are empty, the rest in [low, high]."""

    low: int = 0
    high: int = 300
    empty: float = 0.0

    @classmethod
    def from_spec(cls, raw: Any) -> "SizeRule":
        if isinstance(raw, int):
            return cls(raw, raw, 0.0)
        if isinstance(raw, list):
            return cls(int(raw[0]), int(raw[1]), 0.0)
        raw = raw or {}
        return cls(int(raw.get("min", 0)), int(raw.get("max", 300)), float(raw.get("empty", 0.0)))

    def size_for(self, *parts: Any) -> int:
        r = rng_for(*parts, "size")
        if r.random() < self.empty:
            return 0
        return r.randint(self.low, self.high)


def _identity_index(schema: dict, dotted: str):
    """The inverse of the identity's `expr` (fake.compile_identity_index), if it has one."""
    for part in dotted.split("."):
        if not isinstance(schema, dict):
            return None
        schema = schema.get("items") if part.isdigit() else (schema.get("properties") or {}).get(part)
    hint = schema.get("x-faker") if isinstance(schema, dict) else None
    if not isinstance(hint, dict) or "expr" not in hint or {"omit_if", "nulls", "null_cycle"} & set(hint):
        return None
    return compile_identity_index(hint["expr"])


class Recipe:
    """How one operation's collections are made: item generator, key parameters, size rule."""

    def __init__(self, op: Operation, compiler: SchemaCompiler):
        cfg = op.mock["collection"]
        self.op = op
        self.id = f"{op.spec.name}:{op.operation_id}"
        self.item_schema = op.spec.schema(cfg["item"])
        self.generate = compiler.compile(self.item_schema)
        self.key_params: list[str] = list(cfg.get("key", []))
        self.size_rule = SizeRule.from_spec(cfg.get("size"))
        self.identity: str | None = cfg.get("identity")
        # The identity alone (a prefix of the generation order): what `listed_in` checks list.
        self.identity_prefix = compiler.compile_prefix(self.item_schema, self.identity) if self.identity else None
        # An identity with an inverse (`unique_code(params[...], index)`): which index makes it.
        self.identity_index = _identity_index(self.item_schema, self.identity) if self.identity else None
        self.compiler = compiler
        self._prefixes: dict[str, Any] = {}
        # Fields that repeat in a cycle: their sums and filters have closed forms (periodic.py).
        self.cycle_fields: dict[str, CycleField] = dict(_cycle_fields(self.item_schema))
        # Fields whose values grow with the index: sorting or range-filtering on them is free.
        ordered = cfg.get("ordered_by") or []
        self.ordered_by: tuple[str, ...] = tuple([ordered] if isinstance(ordered, str) else ordered)
        hint = self.item_schema.get("x-faker")
        self.listed_in: dict | None = hint.get("listed_in") if isinstance(hint, dict) else None

    def key_of(self, params: dict) -> tuple:
        return tuple(str(params.get(name, "")) for name in self.key_params)

    @property
    def generation_order(self) -> list[str]:
        """The item's top-level properties in the order they are generated (`first:` ones first)."""
        names = list((self.item_schema.get("properties") or {}))
        hint = self.item_schema.get("x-faker")
        early = [n for n in (hint.get("first", []) if isinstance(hint, dict) else []) if n in names]
        return early + [n for n in names if n not in early]

    def prefix_for(self, head: str):
        """A generator of items up to the top-level property `head` (whole items where there is none)."""
        if head not in self._prefixes:
            self._prefixes[head] = self.compiler.compile_prefix(self.item_schema, head) or self.generate
        return self._prefixes[head]


class _Listing:
    """A parent's identities, listed only as far as a question needed: a code listed tenth costs ten
    identities, not the promotion's eighty (the rest are listed when a later question needs them).
    Where the identity has an inverse (`index_of`: identity -> the one index that can make it), a
    question costs that index's identity alone.

    Thousands of listings stay in `World.listed`, so each is few objects the collector tracks: its
    source and inverse are small objects of plain fields (closures were 13 tracked objects a
    listing: functions, cells, their tuples), and `seen` is a dict of strings (keys only), which
    the collector stops tracking, where a set is tracked and scanned in every full collection."""

    __slots__ = ("source", "size", "seen", "next", "index_of")

    def __init__(self, source, size: int, index_of=None):
        self.source, self.size, self.seen, self.next, self.index_of = source, size, {}, 0, index_of

    def __len__(self) -> int:  # its weight in the LRU: the identities it may come to hold
        return max(self.size, 1)

    @property
    def done(self) -> bool:
        return self.next >= self.size

    def find(self, wanted: str) -> bool:
        if wanted in self.seen:
            return True
        if self.index_of is not None and not self.done:
            try:
                index = self.index_of(wanted, self.size)
            except LookupError:  # the inverse cannot tell: list as far as needed
                pass
            else:
                if index is None or self.source(index) != wanted:
                    return False
                self.seen[wanted] = None  # asked again, it is a lookup
                return True
        while wanted not in self.seen and self.next < self.size:
            self.seen[self.source(self.next)] = None
            self.next += 1
        if self.done:
            self.source = None  # the items or prefixes it read are no longer held
        return wanted in self.seen


class _Inverse:
    """identity -> the index that makes it, for one collection's path parameters (a closure, in
    a cache, would be three tracked objects; this is one, and its dict of strings is untracked)."""

    __slots__ = ("index_of", "params")

    def __init__(self, index_of, params: dict):
        self.index_of, self.params = index_of, params

    def __call__(self, wanted: str, size: int):
        return self.index_of(self.params, wanted, size)


class _ItemIdentities:
    """Identity of item i, read from the collection's items (they are at hand)."""

    __slots__ = ("items", "identity")

    def __init__(self, items: list, identity: str):
        self.items, self.identity = items, identity

    def __call__(self, i: int) -> str:
        return str(dig(self.items[i], self.identity))


class _PrefixIdentities:
    """Identity of item i, from a prefix of its draws (the identity field alone: the same value the
    whole item has). Plain fields: the parameters as a tuple of strings, which is not tracked."""

    __slots__ = ("world", "partial", "collection", "scenario", "identity")

    def __init__(self, world: "World", partial, recipe_id: str, key: tuple, params: tuple, size: int, scenario: str,
                 identity: str):
        self.world, self.partial, self.identity = world, partial, identity
        self.collection = (recipe_id, key, params, size)  # World.item_ctx's arguments before the index
        self.scenario = scenario

    def __call__(self, i: int) -> str:
        return str(dig(self.partial(self.world.item_ctx(*self.collection, i, self.scenario)), self.identity))


@dataclass(frozen=True)
class Pin:
    """Records placed among (or, with `replace`, instead of) one collection's generated items."""

    records: tuple
    replace: bool = False


# Scenarios (`Prefer: scenario=...`): each is its own reproducible variant of a collection.
LISTED_CHECK_MAX = 100_000  # parents larger than this are not listed out to check `listed_in`
SCENARIO_SIZES = {"empty": 0, "large": 10_000, "edge": 101}  # 101: the last page is short at any size


# Cache bounds. An item is 1-3 KB (ops' 20 fields the most), so the item caches are the large ones;
# RSS stays under 300 MB with all of them full (bench/speed.py's RSS run measures it).
ITEM_CACHE = 10_000  # generated items, by (collection, index): single items (bisect, first/last, listings)
PAGE_ITEMS = 20_000  # items of pages, by (collection, window): pages a client walks again
MATERIALIZED_ITEMS = 60_000  # items of whole collections (filters and sorts): one of INLINE_MAX fits
RESPONSE_BYTES = 32 * 1024 * 1024  # rendered bodies (gzip copies besides)
SELECTION_POSITIONS = 4_000_000  # filtered/sorted positions, 16 MB
SIZE_CACHE = 50_000  # collection sizes, by (recipe, key): a few bytes each
LISTED_IDENTITIES = 200_000  # identities of parents asked about by `listed_in` (a few thousand promotions)


class World:
    """All collections of a set of specs, for one seed and one notion of "now"."""

    def __init__(self, specs: list[Spec], seed: int = 0, now: datetime = DEFAULT_NOW,
                 size: int | None = None, cache_items: int = MATERIALIZED_ITEMS):
        self.seed = seed
        self.now_ms = int(now.timestamp() * 1000)
        self.size_override = size
        self.recipes: dict[str, Recipe] = {}
        self.by_operation_id: dict[str, Recipe] = {}
        self.compilers: dict[str, SchemaCompiler] = {}
        for spec in specs:
            compiler = self.compilers[spec.name] = SchemaCompiler(spec.entities)
            for op in spec.operations:
                if "collection" in op.mock:
                    recipe = Recipe(op, compiler)
                    self.recipes[recipe.id] = recipe
                    self.by_operation_id.setdefault(op.operation_id, recipe)
        self.pins: dict[tuple, Pin] = {}
        # Caches of derived data, each bounded; all cleared together when pinned records change.
        # Bounds (README: Benchmarks): what a server holds however many collections it is asked for.
        self.responses = response_cache(RESPONSE_BYTES)  # rendered bytes
        self.fast_responses = fastpath.cache()  # the same bytes as sent, for fastpath.py
        self.selections = WeightedLRU(SELECTION_POSITIONS)  # filtered and sorted positions (4 bytes each), by query
        self.pages = WeightedLRU(PAGE_ITEMS)  # the items of a page (a range of indexes), bounded by items held
        self.materialized = WeightedLRU(cache_items)  # whole collections, bounded by items held
        self.listed = WeightedLRU(LISTED_IDENTITIES)  # parent (recipe, key) -> its identities (`listed_in`)
        self._listing: set = set()  # parents being listed right now
        self.sort_indexes = SortIndexes()  # sorts/filters over collections too large to generate per request
        # Per world, so that their keys hold plain values alone (an lru_cache on a method keys with
        # `self`: a tracked tuple per entry, scanned by every full collection, gcpolicy.py)
        self._size = lru_cache(maxsize=SIZE_CACHE)(self._size_of)  # (recipe id, key) -> size
        self.item = lru_cache(maxsize=ITEM_CACHE)(self._item)  # (collection, index) -> item
        self._stem = lru_cache(maxsize=4096)(self._stem_of)  # collection -> (draw key, memo)

    def recipe_for(self, op: Operation) -> Recipe:
        return self.recipes[f"{op.spec.name}:{op.operation_id}"]

    def collection(self, operation_id: str, params: dict | None = None, size: int | None = None) -> "Collection":
        """The collection of an operation (by operationId) for these path parameters."""
        recipe = self.by_operation_id[operation_id]
        return self.collection_for(recipe, params or {}, size)

    def collection_for(self, recipe: Recipe, params: dict, size: int | None = None, scenario: str = "") -> "Collection":
        key = recipe.key_of(params)
        own_params = {n: params[n] for n in recipe.key_params if n in params}
        if scenario in SCENARIO_SIZES:
            return Collection(self, recipe, key, own_params, SCENARIO_SIZES[scenario], scenario)
        if size is None:
            size = self.size_override
        if size is None:
            size = self._size(recipe.id, key)
        if recipe.listed_in and not self._listed(recipe, key, own_params):
            size = 0  # a child of nothing: the parent collection does not list this identity
        pin = self.pins.get((recipe.id, key))
        if pin is None:
            return Collection(self, recipe, key, own_params, size)
        merged = self._merged(recipe, key, own_params, size, pin)
        return Collection(self, recipe, key, own_params, len(merged), "", merged)

    def _listed(self, recipe: Recipe, key: tuple, params: dict) -> bool:
        """Whether the parent collection named by `listed_in` holds this collection's identity.

        The parent's identities are listed once per parent. While a parent is being listed, its
        own items ask about their own children (a code's remaining uses sum its usages): those are
        listed by construction. A parent above LISTED_CHECK_MAX items (`--size` benchmarks) is not
        listed out, and every identity counts as listed."""
        rule = recipe.listed_in
        parent = self.by_operation_id[rule["operation"]]
        parent_params = {p: params.get(q, "") for p, q in (rule.get("params") or {}).items()}
        parent_key = (parent.id, parent.key_of(parent_params))
        wanted = str(params.get(rule["identity"], ""))
        listing = self.listed.get(parent_key)
        if listing is not None and (wanted in listing.seen or listing.done or listing.index_of is not None):
            return listing.find(wanted)
        if parent_key in self._listing:
            return True
        self._listing.add(parent_key)
        try:
            collection = self.collection_for(parent, parent_params)
            if len(collection) > LISTED_CHECK_MAX:
                return True
            if listing is None:
                listing = _Listing(self._identity_source(collection), collection.size,
                                   self._inverse(collection, parent_params))
                self.listed.put(parent_key, listing)
            return listing.find(wanted)
        finally:
            self._listing.discard(parent_key)

    @staticmethod
    def _inverse(collection: "Collection", params: dict):
        """identity -> the index that makes it (recipe.identity_index over this collection's path
        parameters), where generated identities are all there is (no pins, no scenario)."""
        index_of = collection.recipe.identity_index
        if index_of is None or collection.merged is not None or collection.scenario:
            return None
        return _Inverse(index_of, params)

    def _identity_source(self, collection: "Collection"):
        """Identity of item i of a collection: from the items when at hand, else from a prefix of
        item i's draws (the identity field alone: the same value the whole item has)."""
        recipe = collection.recipe
        cached = self.materialized.get(collection.cache_key)
        if cached is not None or collection.merged is not None or recipe.identity_prefix is None or collection.scenario:
            return _ItemIdentities(collection.items(), recipe.identity)
        return _PrefixIdentities(self, recipe.identity_prefix, recipe.id, collection.key, collection.params_items,
                                 collection.size, collection.scenario, recipe.identity)

    def _identities(self, collection: "Collection") -> list:
        """The items of a collection as far as their identity: generated only up to it (a prefix of
        each item's draws, so the same value the whole item has), unless the items are at hand."""
        recipe = collection.recipe
        cached = self.materialized.get(collection.cache_key)
        if cached is not None or collection.merged is not None or recipe.identity_prefix is None or collection.scenario:
            return collection.items()
        partial, ctx = recipe.identity_prefix, collection.item_ctx
        return [partial(ctx(i)) for i in range(collection.size)]

    def _size_of(self, recipe_id: str, key: tuple) -> int:
        """A collection's size, cached per world by `_size` (set up in __init__): its keys hold
        strings alone, which the collector stops tracking; an lru_cache on the method keyed with
        `self` too kept one tracked tuple per collection (50,000 of them) in every full collection."""
        return self.recipes[recipe_id].size_rule.size_for(self.seed, recipe_id, *key)

    def entity(self, spec_name: str, entity: str, key: Any) -> dict:
        """A shared record (a customer, a currency): a pure function of (seed, entity, key)."""
        return self.compilers[spec_name].entity_record(entity, key, self.seed, self.now_ms, self)

    # -- pinned records ---------------------------------------------------------------------
    def pin(self, operation_id: str, params: dict, records: list[dict], replace: bool = False) -> "Collection":
        recipe = self.by_operation_id[operation_id]
        missing = [n for n in recipe.key_params if n not in params]
        if missing:
            raise ValueError(f"{operation_id}: pinned records need the path parameter(s) {', '.join(missing)}")
        key = recipe.key_of(params)
        existing = self.pins.get((recipe.id, key))
        before = existing.records if existing and not replace else ()
        self.pins[(recipe.id, key)] = Pin(before + tuple(records), replace or bool(existing and existing.replace))
        self.clear_caches()
        return self.collection_for(recipe, params)

    def unpin_all(self) -> None:
        self.pins.clear()
        self.clear_caches()

    def clear_caches(self) -> None:
        """Pins change what collections hold, and items (a code's remaining uses) depend on other collections."""
        self.item.cache_clear()
        self.responses.clear()
        self.fast_responses.clear()
        self.selections.clear()
        self.pages.clear()
        self.materialized.clear()
        self.listed.clear()
        self.sort_indexes.clear()
        for compiler in self.compilers.values():
            compiler.entity_record.cache_clear()

    def _merged(self, recipe: Recipe, key: tuple, params: dict, size: int, pin: Pin) -> list[dict]:
        cache_key = (recipe.id, key, size, "pinned")
        cached = self.materialized.get(cache_key)
        if cached is not None:
            return cached
        params_items = tuple(sorted(params.items()))
        pinned = [self._generate(recipe, key, params_items, size, size + k, override=record)
                  for k, record in enumerate(pin.records)]
        generated = [] if pin.replace else [self.item(recipe.id, key, params_items, size, i) for i in range(size)]
        if recipe.identity:
            taken = {dig(p, recipe.identity) for p in pinned}
            generated = [g for g in generated if dig(g, recipe.identity) not in taken]
        merged = generated + pinned
        if recipe.ordered_by:
            first = recipe.ordered_by[0]
            merged.sort(key=lambda it: (dig(it, first) is None, dig(it, first) if dig(it, first) is not None else 0))
        self.materialized.put(cache_key, merged)
        return merged

    # -- generation and caches --------------------------------------------------------------
    def _stem_of(self, recipe_id: str, key: tuple, params_items: tuple, size: int, scenario: str) -> tuple[bytes, dict]:
        """What the items of one collection share: the key their draws derive from, and the memo of
        values the same for all of them (fake.py: `Ctx.memo`), filled by the first item that needs
        each. Both are pure functions of the collection, so caching them (`_stem`) changes no data."""
        return collection_key(self.seed, recipe_id, *key, size, scenario), {}

    def item_ctx(self, recipe_id: str, key: tuple, params_items: tuple, size: int, index: int,
                 scenario: str = "") -> Ctx:
        """The context of item `index` of a collection (of its whole item or of a prefix of it)."""
        base, memo = self._stem(recipe_id, key, params_items, size, scenario)
        # positional only: keywords cost a quarter of the Ctx
        return Ctx(Draws(item_key(base, index)), index, size, dict(params_items), self.now_ms, self.seed, self, memo)

    def _generate(self, recipe: Recipe, key: tuple, params_items: tuple, size: int, index: int,
                  scenario: str = "", override: Any = None) -> dict:
        ctx = self.item_ctx(recipe.id, key, params_items, size, index, scenario)
        if override is not None or scenario:
            ctx.override, ctx.edge = override, scenario == "edge"
        return recipe.generate(ctx)

    def page(self, collection: "Collection", span: range) -> list[dict]:
        """The items at a range of indexes, kept as one entry: a page walked again is one lookup,
        not one per item, and a new page is generated without filling the per-item cache (its
        puts and evictions cost about 1.5 us an item). A list of its own each time: a caller
        may reorder or cut it (misbehave.py)."""
        key = (collection.recipe.id, collection.key, collection.params_items, collection.size, collection.scenario,
               span.start, span.stop, span.step)
        items = self.pages.get(key)
        if items is None:
            recipe, size, scenario = collection.recipe, collection.size, collection.scenario
            items = [self._generate(recipe, collection.key, collection.params_items, size, i, scenario) for i in span]
            self.pages.put(key, items)
        return list(items)

    def _item(self, recipe_id: str, key: tuple, params_items: tuple, size: int, index: int, scenario: str = "") -> dict:
        return self._generate(self.recipes[recipe_id], key, params_items, size, index, scenario)

    def materialize(self, collection: "Collection") -> list[dict]:
        """Every item of a collection, kept in a bounded LRU (bounded by total items held)."""
        if collection.merged is not None:
            return collection.merged
        cache_key = (collection.recipe.id, collection.key, collection.size, collection.scenario)
        cached = self.materialized.get(cache_key)
        if cached is not None:
            return cached
        items = [collection.item(i) for i in range(collection.size)]
        self.materialized.put(cache_key, items)
        return items


@dataclass(frozen=True)
class Collection:
    world: World
    recipe: Recipe
    key: tuple
    params: dict
    size: int
    scenario: str = ""
    merged: list | None = None  # generated and pinned items, in order (only when records are pinned)
    # the path parameters as a cache key: computed here, read by every item and page (a
    # cached_property takes a lock on its first read in Python 3.11: 2 us a request)
    params_items: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params_items", tuple(sorted(self.params.items())))  # frozen: past __setattr__

    def __len__(self) -> int:
        return self.size

    @property
    def ordered_by(self) -> tuple[str, ...]:
        """Fields that grow with the index here (pinned records are merged in order of the first)."""
        return self.recipe.ordered_by if self.merged is None else self.recipe.ordered_by[:1]

    @property
    def cache_key(self) -> tuple:
        return (self.recipe.id, self.key, self.size, self.scenario)

    @property
    def arithmetic(self) -> bool:
        """Whether cycle fields here follow their cycle (pins and edge data do not)."""
        return self.merged is None and self.scenario != "edge"

    def item(self, index: int) -> dict:
        if self.merged is not None:
            return self.merged[index]
        return self.world.item(self.recipe.id, self.key, self.params_items, self.size, index, self.scenario)

    def prefix(self, index: int, field: str) -> dict:
        """Item `index` generated only as far as the top-level property of `field` (the same values
        the whole item has there: a prefix of its draws). A code's `created_at` needs its first
        usage's `used_on`, not the whole usage."""
        return self.recipe.prefix_for(field.split(".", 1)[0])(self.item_ctx(index))

    def item_ctx(self, index: int) -> Ctx:
        """The context item `index` is generated in (World.item_ctx)."""
        return self.world.item_ctx(self.recipe.id, self.key, self.params_items, self.size, index, self.scenario)

    def slice(self, indices: Iterable[int]) -> list[dict]:
        if self.merged is not None:
            return [self.merged[i] for i in indices]
        if type(indices) is range:  # a page in index order (or its reverse): kept whole (World.page)
            return self.world.page(self, indices)
        item, args = self.world.item, (self.recipe.id, self.key, self.params_items, self.size)
        return [item(*args, i, self.scenario) for i in indices]

    def items(self) -> list[dict]:
        return self.world.materialize(self)

    def first(self, field: str) -> Any:
        """The smallest non-null value of a field (a code's first usage), None when there is none;
        O(1) for the field the collection is ordered by."""
        if not self.size:
            return None
        if self.ordered_by and self.ordered_by[0] == field:
            value = dig(self.item(0) if self.merged is not None or self.scenario else self.prefix(0, field), field)
            if value is not None:
                return value
        values = [v for v in (dig(item, field) for item in self.items()) if v is not None]
        return min(values) if values else None

    def sum(self, field: str) -> float:
        """Helper for cross-collection invariants in `x-faker` expressions (O(1) for `cycle:` fields)."""
        cycle = self.recipe.cycle_fields.get(field)
        if self.arithmetic and cycle is not None and not cycle.nulls_only:
            return cycle_sum(list(cycle.values), self.size, self.world.seed, self.params, cycle.salt)
        return sum(item.get(field) or 0 for item in self.items())


def _cycle_fields(schema: dict, prefix: str = ""):
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        hint = sub.get("x-faker")
        if isinstance(hint, dict) and "cycle" in hint:
            yield path, CycleField(path, tuple(hint["cycle"]))
        elif isinstance(hint, dict) and "null_cycle" in hint:
            yield path, CycleField(path, tuple(None if x else NOT_NULL for x in hint["null_cycle"]), nulls_only=True)
        elif not hint and sub.get("properties"):
            yield from _cycle_fields(sub, f"{path}.")
