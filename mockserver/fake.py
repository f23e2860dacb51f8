"""Turn a JSON schema with `x-faker` hints into a fast, deterministic value generator.

A schema is compiled once into a tree of small closures; generating a value then costs a handful of
draws from the item's own counter-based stream (`draws.Draws`: blake2b of the item's key and a
block number, nothing to seed), and `expr:` hints are compiled once into functions (no `eval` per
item). Faker is used to fill *pools* of realistic values (names, e-mails, words), each pool
seeded by its own name, so a value depends only on (seed, collection, index) and never on which
process or in what order items were asked for. Draws are consumed in generation order, so an item
generated only as far as one field (`compile_prefix`: a listing's identities, a sort index's
values, a code's first usage) has exactly the values the whole item has there.

Hints (`x-faker` on any schema; a bare string is a pool name):

    pool: NAME          a value from a Faker-filled pool (name, email, company, word, promo_code...)
    seq: START          START + item index (ids that follow generation order)
    path: NAME          the value of a path parameter
    const: VALUE        always VALUE
    choice: [..]        one of the values, optionally with `weights: [..]`
    cycle: [..]         the values in a scrambled repeating cycle: sums and filters over a
                        collection are answered by arithmetic (see periodic.py), not by generating it
    null_cycle: [..]    None where the cycle says true (filters on null-ness become arithmetic too)
    range: [LO, HI]     a number in range (`decimals: N` for non-integers)
    timeline: {days: D} a time that grows with the item index across D days before "now"
    after: FIELD|[..]   a time after the latest of those (already generated, non-null) fields,
                        by `min` to `min + within` seconds (fields of enclosing objects count too)
    before: FIELD|[..]  the same, before the earliest of them
    expr: PYTHON        an expression over the object's earlier fields, path params and helpers
    from: NAME.FIELD    a field of an entity bound on the enclosing object (`bind:`)
    uuid_from: [EXPR..] a UUID derived from values (the same inputs give the same UUID)
    nulls: P            None with probability P (not `null:`, which YAML reads as a null key)
    omit_if: EXPR       leave the property out when the expression is true
    skip: true          never generated (the dialect fills it in per request, like a self link)
    count: [LO, HI]     array length
    style: ms|s|us|sql  how times are printed (default ms: 2023-05-30T23:10:56.016Z)
    future: true        a time that may lie after "now" (a validity end); every other time is
                        clamped to the mock's clock, so no record claims to come from the future
    not_after: EXPR     a time before the one the expression gives (a time string, or None for no
                        bound): a code is created before its first usage
    first: [NAME..]     on an object: generate these properties first, so that earlier ones can
                        use them (the printed order stays the schema's)
    listed_in: {operation: OP, params: {P: Q}, identity: Q}   on a collection's item: the
                        collection is empty unless its path parameter Q is the identity of an
                        item of OP's collection (OP's P = this Q): a code's usages exist only for
                        codes the promotion lists
    bind: {NAME: {entity: E, id: EXPR}}   on an object: the shared entity record E with that id

Entities (`x-mock.entities` at the spec root) are records such as customers that many items share:
entity E with id K is a pure function of (seed, E, K), so the same customer id always carries the
same name and e-mail.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import random
import string
from functools import lru_cache
from itertools import islice
from typing import Any, Callable

from faker import Faker

from . import pyast
from .dotted import dig
from .draws import Draws, _block, draws_for, key_of
from .times import FORMATS, format_time, parse_time_ms
from .times import _DAYS as times_days, _MILLIS as times_millis, _MINUTES as times_minutes, _SECONDS as times_seconds
from .times import _day as times_day

Gen = Callable[["Ctx"], Any]
OMIT = object()  # sentinel: leave this property out

SAFE_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("min", "max", "round", "sum", "len", "abs", "int", "float", "str", "bool", "any", "all",
                 "sorted", "set", "list", "dict", "tuple", "range", "enumerate", "zip")
}


def stable_int(*parts: Any) -> int:
    """A 64-bit integer from the parts, identical in every process (unlike `hash()`)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


CYCLE_STRIDE = 7  # prime to any even cycle length we use: each block of the cycle is a permutation


@lru_cache(maxsize=65536)
def _cycle_offset(seed: int, params_items: tuple, salt: str, length: int) -> int:
    return stable_int(seed, salt, *params_items) % length


def cycle_position(index: int, seed: int, params: dict, length: int, salt: str = "") -> int:
    """Where item `index` sits in a field's scrambled repeating cycle (`salt`: the field's name,
    so that two cycles of one length do not move in lockstep)."""
    return (index * CYCLE_STRIDE + _cycle_offset(seed, tuple(sorted(params.items())), salt, length)) % length


def cycle_sum(values: list, count: int, seed: int, params: dict, salt: str = "") -> float:
    """The sum of a `cycle:` field over the first `count` items, in O(len(values)), not O(count):
    this is what lets a code's remaining uses agree with a million usages without generating them."""
    length = len(values)
    whole, rest = divmod(count, length)
    offset = _cycle_offset(seed, tuple(sorted(params.items())), salt, length)
    return whole * sum(values) + sum(values[(j * CYCLE_STRIDE + offset) % length] for j in range(rest))


def uuid4_text(value: int) -> str:
    """`str(uuid.UUID(int=value, version=4))` without building a UUID object."""
    value = (value & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{value & (1 << 128) - 1:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_HEX52 = float(1 << 52)


def random_uuid(random: Callable[[], float]) -> str:
    """A version-4 UUID from three draws (122 random bits, as uuid4 has)."""
    a, b, c = int(random() * _HEX52), int(random() * _HEX52), int(random() * _HEX52)
    h = _UUID_HEX % (a, b, c >> 36)
    return f"{h[:8]}-{h[8:12]}-4{h[12:15]}-{'89ab'[c & 3]}{h[15:18]}-{h[18:]}"


# The hex digits of a and b (13 each) and c's first 4, one formatting, cut as 8-4-[4]3-[v]3-12: a's
# first 8, its next 4, its last and b's first 2, b's next 3, b's last 8 and c's 4 (c's low bits: v).
# Slicing one formatted text costs less than formatting seven fields.
_UUID_HEX = "%013x%013x%04x"


def derived_uuid(*parts: Any) -> str:
    """A version-4-shaped UUID that is a pure function of the parts (cached: most parts repeat,
    such as a customer or staff number)."""
    try:
        return _derived_uuid(parts)
    except TypeError:  # an unhashable part (an expression gave a list)
        return _derived_uuid.__wrapped__(parts)


@lru_cache(maxsize=65536)
def _derived_uuid(parts: tuple) -> str:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()
    return uuid4_text(int.from_bytes(digest, "big"))


def rng_for(*parts: Any) -> random.Random:
    """A Mersenne Twister seeded by the parts: for things made once (pools, sizes), not per item;
    items draw from `draws.Draws` (no state to seed)."""
    return random.Random(stable_int(*parts))


# ---------------------------------------------------------------------------------------- pools

POOL_SIZE = 1000
_PROMO_WORDS = [
    "SUMMER", "WINTER", "SPRING", "AUTUMN", "WELCOME", "SAVE", "VIP", "FLASH", "HOLIDAY", "FRIEND",
    "SPRINT", "CYBER", "BLACKFRI", "NEWYEAR", "LOYAL", "STUDENT", "FAMILY", "MEMBER", "EARLY", "BONUS",
]
_CLASS_WORDS = ["Yoga Flow", "HIIT", "Pilates", "Spin", "Boxing", "Barre", "Zumba", "CrossFit", "Stretch"]


def _promo_code(fake: Faker, r: random.Random) -> str:
    style = r.random()
    if style < 0.6:
        return f"{r.choice(_PROMO_WORDS)}{r.choice([5, 10, 15, 20, 25, 30, 40, 50])}"
    if style < 0.8:
        return f"{r.choice([5, 10, 15, 20, 25])}OFF"
    return "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(8))


# Faker's dates end "now" by default: `day_of_week()` drew a day between 1970 and the wall clock, so
# the class labels changed every few minutes (two replicas started apart served other labels).
# Its draws now end at a fixed moment, the mock's default "now" (dataset.DEFAULT_NOW).
_POOL_NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


_CUSTOM_POOLS: dict[str, Callable[[Faker, random.Random], Any]] = {
    "promo_code": _promo_code,
    "promo_name": lambda f, r: f"{r.choice(_PROMO_WORDS).title()} {r.choice(['Sale', 'Deal', 'Offer', 'Promo', 'Discount'])}",
    "class_label": lambda f, r: f"{r.choice(_CLASS_WORDS)} · {f.date('%A', end_datetime=_POOL_NOW)} {r.randint(6, 20)}:00",
    "group_name": lambda f, r: f"{f.color_name()} {r.choice(['Members', 'Partners', 'Staff', 'Students', 'Promotions', 'Referrals'])}",
    "course_label": lambda f, r: f"{r.choice(_CLASS_WORDS)} {r.choice(['Foundations', 'Intensive', 'Bootcamp'])} ({r.randint(4, 12)} weeks)",
    "membership_label": lambda f, r: f"{r.choice(['Monthly', 'Annual', 'Off-peak', 'Student', 'Family'])} Membership",
    "product_label": lambda f, r: f"{f.color_name()} {r.choice(['Water Bottle', 'Yoga Mat', 'T-Shirt', 'Towel', 'Protein Bar'])}",
}


@lru_cache(maxsize=None)
def pool(name: str) -> tuple:
    """POOL_SIZE realistic values for a Faker provider (or one of ours), the same in every process."""
    fake = Faker("en_US")
    fake.seed_instance(stable_int("pool", name))
    r = rng_for("pool-rng", name)
    if name in _CUSTOM_POOLS:
        make = _CUSTOM_POOLS[name]
        return tuple(make(fake, r) for _ in range(POOL_SIZE))
    provider = getattr(fake, name, None)
    if provider is None or not callable(provider):
        raise ValueError(f"x-faker: unknown pool {name!r}")
    return tuple(provider() for _ in range(POOL_SIZE))


def _pool_pick(name: str) -> Gen:
    """A value of a pool; the pool is filled on first use (Faker is slow to start), then held here."""
    held: list = []

    def pick(ctx: "Ctx") -> Any:
        if not held:
            held.append(pool(name))
        return held[0][int(ctx.rng.random() * POOL_SIZE)]

    def fill() -> tuple:
        held.append(pool(name))
        return held[0]

    return _source(pick, lambda k: f"({k(held)}[0] if {k(held)} else {k(fill)}())[int(_r() * {POOL_SIZE})]")


# ------------------------------------------------------------------------------------ the context


class Ctx:
    """What a generator may depend on: nothing global, so items are pure functions of this.

    `rng` is a `draws.Draws` (or anything with `random.Random`'s random/randint/uniform/choice/
    getrandbits): the item's own stream of draws."""

    __slots__ = ("rng", "index", "size", "params", "now_ms", "seed", "world", "memo", "obj", "times", "bound",
                 "outer", "override", "edge")

    def __init__(self, rng: Any, index: int, size: int, params: dict, now_ms: int, seed: int, world: Any = None,
                 memo: dict | None = None, obj: dict | None = None, times: dict | None = None,
                 bound: dict | None = None, outer: list | None = None, override: Any = None, edge: bool = False):
        self.rng = rng
        self.index = index
        self.size = size
        self.params = params
        self.now_ms = now_ms
        self.seed = seed
        self.world = world  # gives expressions access to other collections (see dataset.World)
        # Values the same for every item of the collection (a cycle's offset, a uuid of the path
        # parameters): the first item computes them, the others read them (`_per_collection`).
        self.memo = {} if memo is None else memo
        self.obj = {} if obj is None else obj
        self.times = {} if times is None else times
        self.bound = {} if bound is None else bound
        self.outer = [] if outer is None else outer  # enclosing (obj, times) pairs, innermost last
        self.override = override  # a pinned record's given fields, consumed by the generator it targets
        self.edge = edge  # hostile-but-valid data: nulls where nullable, odd unicode, maximum lengths

    def time_of(self, name: str) -> int | None:
        """The epoch-ms time of a field already generated here or in an enclosing object."""
        t = self.times.get(name)
        if t is not None and self.obj.get(name) is not None:
            return t
        for obj, times in reversed(self.outer):
            if name in times and obj.get(name) is not None:
                return times[name]
        return None


# ------------------------------------------------------------------------------- expressions

# What an expression sees besides the object's earlier fields and SAFE_BUILTINS (the same names as
# language.EXPRESSION_NAMES; tests/test_generator_draws.py keeps them equal). Each is bound in the
# compiled function only when the expression names it.
_BINDINGS = {
    "params": "_c.params", "index": "_c.index", "size": "_c.size", "seed": "_c.seed", "now_ms": "_c.now_ms",
    "times": "_c.times", "bound": "_c.bound", "random": "_c.rng.random", "randint": "_c.rng.randint",
    "uniform": "_c.rng.uniform", "choice": "_c.rng.choice", "world": "_c.world", "obj": "_c.obj",
    "parent": "(_c.outer[-1][0] if _c.outer else {})", "enclosing": "_enclosing(_c)",
}
_GLOBAL_HELPERS = ("stable_int", "pool", "unique_code", "email_for")
EXPRESSION_NAMES = tuple(_BINDINGS) + _GLOBAL_HELPERS


def compile_expr(text: str, label: str) -> Callable[["Ctx"], Any]:
    """An `x-faker` expression as a function of the context, compiled once.

    Evaluating with `eval` built a namespace of ~20 names and the object's fields per call; here
    each free name of the expression is bound once, at the top of a compiled function: sibling
    fields from `ctx.obj`, helpers from the context. Comprehensions inside see them as closures."""
    tree = pyast.parse(text.strip(), mode="eval")
    loaded: set[str] = set()
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else local).add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
    prelude = ["_o = _c.obj"]
    siblings = set()
    for name in sorted(loaded - local):
        if name in _BINDINGS:
            prelude.append(f"{name} = {_BINDINGS[name]}")
        elif name not in _GLOBAL_HELPERS and name not in SAFE_BUILTINS and name not in ("True", "False", "None"):
            siblings.add(name)
    expression = copy.deepcopy(tree)  # as written: what _straight inlines (no second parse, see _inline_text)
    tree = _Siblings(siblings).visit(tree)  # read when evaluated: `x if 'x' in obj else 0` must work
    module = pyast.parse("def _x_faker(_c):\n" + "".join(f"    {line}\n" for line in prelude) + "    return None\n")
    function = module.body[0]
    function.body[-1] = ast.Return(value=tree.body)
    ast.fix_missing_locations(module)
    namespace = dict(_EXPR_GLOBALS)
    exec(pyast.compile_tree(module, label, "exec"), namespace)  # noqa: S102 - specs are trusted local files
    function = namespace["_x_faker"]
    function.label, function.expression = label, expression
    function.inline = _inline_text(copy.deepcopy(expression), loaded, local, siblings)
    return function


# What a name of an expression is inside a straight-line object's function (_straight): the same
# values as _BINDINGS, from the function's locals (`_o` the object, `_t` its times, `_r` the draws).
_INLINE_BINDINGS = {**_BINDINGS, "random": "_r", "obj": "_o", "times": "_t"}
_INLINE_NODES = {name: pyast.parse(text, mode="eval").body for name, text in _INLINE_BINDINGS.items()}


def _draw_index(n: int) -> ast.expr:
    """`int(_r() * n)`."""
    draw = ast.Call(func=ast.Name("_r", ast.Load()), args=[], keywords=[])
    return ast.Call(func=ast.Name("int", ast.Load()), args=[ast.BinOp(left=draw, op=ast.Mult(), right=ast.Constant(n))],
                    keywords=[])


def _inline_text(tree: ast.Expression, loaded: set, local: set, siblings: set) -> str | None:
    """The expression as source for a straight-line object (None where it cannot be: a name of
    ours, `_`-prefixed, could clash; `:=` would bind in the object's function). Nodes are built,
    not parsed: Python 3.11's AST conversion keeps one recursion count per interpreter, and
    `ast.parse` in two threads at once (an app built beside a serving one) can fail with
    "AST constructor recursion depth mismatch"; this adds no parse to compile_expr's."""
    if any(name.startswith("_") for name in loaded | local) or any(isinstance(n, ast.NamedExpr) for n in ast.walk(tree)):
        return None
    free = loaded - local

    class Inline(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            """`choice([a, b])` and `randint(1, 6)` as Draws computes them, with no call: the
            display is evaluated first, then the draw, as the call does."""
            name = node.func.id if isinstance(node.func, ast.Name) and node.func.id in free else None
            self.generic_visit(node)  # the arguments' names (and the function's, where it stays a call)
            if name == "choice" and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], (ast.List, ast.Tuple)):
                elts = node.args[0].elts
                if elts and not any(isinstance(e, ast.Starred) for e in elts):
                    return ast.Subscript(value=node.args[0], slice=_draw_index(len(elts)), ctx=ast.Load())
            if name == "randint" and len(node.args) == 2 and not node.keywords:
                try:
                    lo, hi = (ast.literal_eval(a) for a in node.args)
                except ValueError:
                    return node
                if type(lo) is int and type(hi) is int and lo <= hi and hi - lo + 1 <= 1 << 53:
                    return ast.BinOp(left=ast.Constant(lo), op=ast.Add(), right=_draw_index(hi - lo + 1))
            return node

        def visit_Name(self, node: ast.Name) -> ast.AST:
            if not isinstance(node.ctx, ast.Load) or node.id not in free:
                return node
            if node.id in siblings:
                replacement = ast.Subscript(value=ast.Name("_o", ast.Load()), slice=ast.Constant(node.id), ctx=ast.Load())
            elif node.id in _INLINE_BINDINGS:
                replacement = copy.deepcopy(_INLINE_NODES[node.id])
            else:
                return node
            return ast.copy_location(replacement, node)

    return f"({ast.unparse(Inline().visit(tree).body)})"


class _Siblings(ast.NodeTransformer):
    """`code` -> `_o['code']` for the names that are the object's fields."""

    def __init__(self, names: set[str]):
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Subscript(value=ast.Name("_o", ast.Load()), slice=ast.Constant(node.id),
                                                   ctx=ast.Load()), node)
        return node


class SchemaCompiler:
    """Compiles schemas of one spec; entity records are shared through `entity()`."""

    def __init__(self, entities: dict[str, dict]):
        self.entity_schemas = entities
        self._entity_gens: dict[str, Gen] = {}

    # -- entities --------------------------------------------------------------------------
    def entity(self, name: str, key: Any, ctx: Ctx) -> dict:
        return self.entity_record(name, key, ctx.seed, ctx.now_ms, ctx.world, ctx.edge)

    @lru_cache(maxsize=16384)
    def entity_record(self, name: str, key: Any, seed: int, now_ms: int, world: Any, edge: bool = False) -> dict:
        """Entity `name` with id `key`: a pure function of its arguments, hence cached."""
        if name not in self._entity_gens:
            if name not in self.entity_schemas:
                raise ValueError(f"x-faker: unknown entity {name!r}")
            self._entity_gens[name] = self.compile(self.entity_schemas[name])
        ctx = Ctx(rng=draws_for(seed, "entity", name, key), index=key if isinstance(key, int) else 0,
                  size=0, params={"id": key}, now_ms=now_ms, seed=seed, world=world, edge=edge)
        return self._entity_gens[name](ctx)

    # -- compile ---------------------------------------------------------------------------
    def compile(self, schema: dict, prop: str = "") -> Gen:
        """The generator of a schema (edge data too, when the context asks for it)."""
        return self._pair(schema, prop)[1]

    def _pair(self, schema: dict, prop: str) -> tuple[Gen, Gen]:
        """(normal, edge-aware) generators: an object's fast path calls the first when the context
        is not an edge scenario, so normal items pay no per-field check for edge data."""
        hint = schema.get("x-faker", {})
        if isinstance(hint, str):
            hint = {"pool": hint}
        base = self._base(schema, hint, prop)
        null_p = hint.get("nulls")
        if null_p:
            inner = base

            def base(ctx: Ctx, _inner=inner, _p=float(null_p)):
                return None if ctx.rng.random() < _p else _inner(ctx)
            if getattr(inner, "lines", None) is None:
                base = _source(base, lambda k, _inner=inner, _p=float(null_p): f"(None if _r() < {k(_p)} else {_call(_inner, k)})")
            else:
                base.lines = lambda k, _inner=inner, _p=float(null_p): [
                    f"if _r() < {k(_p)}:", "    _v = None", "else:", *(f"    {line}" for line in _value_lines(_inner, k))]

        null_cycle = hint.get("null_cycle")
        if null_cycle:
            inner, pattern = base, [bool(x) for x in null_cycle]

            def base(ctx: Ctx, _inner=inner):
                is_null = pattern[cycle_position(ctx.index, ctx.seed, ctx.params, len(pattern), prop)]
                value = _inner(ctx)  # always generated, so the rest of the item does not depend on it
                return None if is_null else value
            base.lines = lambda k, _inner=inner: [  # the pattern is looked up after the value: it draws nothing
                *_value_lines(_inner, k),
                f"_v = None if {k(pattern)}[{_cycle_source(len(pattern), prop, k)}] else _v"]
            null_p = True

        kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
        nullable = bool(null_p) or "null" in kinds
        derived = {"expr", "path", "seq", "uuid_from", "timeline", "after", "before", "choice", "cycle", "from", "const"} & set(hint)
        free_text = kinds[0] == "string" and not schema.get("format") and not derived and not ({"enum", "const"} & set(schema))
        if nullable or free_text:
            normal, max_length = base, int(schema.get("maxLength", 255))

            def edge_aware(ctx: Ctx, _normal=normal):
                if not ctx.edge:
                    return _normal(ctx)
                return None if nullable else edge_string(ctx.rng, max_length)

            return normal, edge_aware
        return base, base

    def compile_prefix(self, schema: dict, dotted: str) -> Gen | None:
        """A generator of an item only as far as the field at `dotted` (an identity): every field
        generated before it, in generation order, then it, and nothing after. The draws are
        sequential, so what it yields at `dotted` is what the full generator yields there; a code's
        identity costs one field instead of a code and its first usage. None where the path is not
        a chain of plain objects and arrays (the caller generates whole items)."""
        return self._prefix(schema, dotted.split(".")) if dotted else None

    def _prefix(self, schema: dict, parts: list[str], prop: str = "") -> Gen | None:
        if not parts or not _is_container(schema):
            return self.compile(schema, prop)  # the property's name salts cycles, names pools, keys times
        hint = schema.get("x-faker", {})
        if isinstance(hint, str) or hint.get("nulls") or hint.get("null_cycle") or hint.get("skip"):
            return None
        kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
        if "properties" in schema:
            return self._object_prefix(schema, hint, parts)
        if "array" in kinds and parts[0].isdigit():
            item_schema = schema.get("items", {})
            upto, rest = int(parts[0]), self._prefix(item_schema, parts[1:], prop)
            if rest is None:
                return None
            whole = self.compile(item_schema, prop)  # as _array compiles its items
            lo, hi = hint.get("count", [schema.get("minItems", 0), schema.get("maxItems", 3)])

            def make(ctx: Ctx) -> list:
                n = lo if lo == hi else ctx.rng.randint(lo, hi)  # as _array draws it
                out = [whole(ctx) for _ in range(min(n, upto))]
                if n > upto:
                    out.append(rest(ctx))
                return out

            return make
        return None

    def _object_prefix(self, schema: dict, hint: dict, parts: list[str]) -> Gen | None:
        props = [(name, sub) for name, sub in schema.get("properties", {}).items()]
        early = [n for n in hint.get("first", []) if n in dict(props)]
        if early:
            props.sort(key=lambda p: p[0] not in early)
        names = [name for name, _ in props]
        if parts[0] not in names:
            return None
        at = names.index(parts[0])
        before = tuple((name, self._pair(sub, name)[0], _omit_code(sub, name)) for name, sub in props[:at])
        target, target_omit = self._prefix(props[at][1], parts[1:], parts[0]), _omit_code(props[at][1], parts[0])
        if target is None:
            return None
        name_at = parts[0]
        binds = [(name, b["entity"], _simple_expr(compile_expr(str(b.get("id", "index")), f"<bind {name}>"),
                                                 str(b.get("id", "index"))))
                 for name, b in hint.get("bind", {}).items()]
        compiler = self

        def make(ctx: Ctx) -> dict:  # the object fast path of _object, stopped after the target
            saved = _enter(ctx, binds, compiler)
            obj = ctx.obj
            for name, gen, omit in before:
                if omit is not None and omit(ctx):
                    continue
                obj[name] = gen(ctx)
            if target_omit is None or not target_omit(ctx):
                obj[name_at] = target(ctx)
            _leave(ctx, saved)
            return obj

        return _straight(list(before) + [(name_at, target, target_omit)], binds, compiler, make, None, False, "prefix")

    def _base(self, schema: dict, hint: dict, prop: str) -> Gen:
        if "const" in hint or "const" in schema:
            value = hint["const"] if "const" in hint else schema["const"]
            return _source(lambda ctx: value, lambda k: k(value))
        if "seq" in hint:
            start = int(hint["seq"])
            return _source(lambda ctx: start + ctx.index, lambda k: f"({k(start)} + _c.index)")
        if "path" in hint:
            name, kind = hint["path"], schema.get("type")
            kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
            if kind in ("integer", "number"):  # a path is text; the schema says what the field holds
                cast = int if kind == "integer" else float
                return lambda ctx: _as_number(ctx.params[name], cast)
            return _source(lambda ctx: ctx.params[name], lambda k: f"_c.params[{k(name)}]")
        if "from" in hint:
            binding, _, attr = hint["from"].partition(".")
            gen = lambda ctx: dig(ctx.bound[binding], attr) if attr else ctx.bound[binding]
            return _source(gen, lambda k: f"{k(dig)}(_c.bound[{k(binding)}], {k(attr)})" if attr else f"_c.bound[{k(binding)}]")
        if "expr" in hint:  # inlined by _straight (an error still names its field: trial.describe)
            return _memoized(_simple_expr(compile_expr(hint["expr"], f"<x-faker {prop}>"), hint["expr"]))
        if "uuid_from" in hint:
            parts = [_simple_expr(compile_expr(e, f"<x-faker {prop}>"), e) for e in hint["uuid_from"]]
            if len(parts) == 1:
                only = parts[0]
                gen = lambda ctx: derived_uuid(ctx.seed, only(ctx))
            else:
                gen = lambda ctx: derived_uuid(ctx.seed, *[part(ctx) for part in parts])
            gen.per_collection = all(_per_collection(p) for p in parts)  # a code's id: the path's
            return _source(gen, lambda k: f"{k(derived_uuid)}(_c.seed, {', '.join(_call(p, k) for p in parts)})")
        if "timeline" in hint or "after" in hint or "before" in hint:
            return self._time(hint, prop)
        if "cycle" in hint:
            values = list(hint["cycle"])
            return _source(lambda ctx: values[cycle_position(ctx.index, ctx.seed, ctx.params, len(values), prop)],
                           lambda k: f"{k(values)}[{_cycle_source(len(values), prop, k)}]")
        if "choice" in hint:
            values, weights = list(hint["choice"]), hint.get("weights")
            if weights:
                cum = _cumulative(weights)
                return _source(lambda ctx: values[_pick(cum, ctx.rng.random())], lambda k: _pick_source(values, cum, k))
            return _one_of(values)
        if "pool" in hint:
            return _pool_pick(hint["pool"])
        if "range" in hint:
            return self._range(schema, hint)

        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if "enum" in schema:
            return _one_of([v for v in schema["enum"] if v is not None])
        if kind == "object" or "properties" in schema:
            return self._object(schema, hint)
        if kind == "array":
            return self._array(schema, hint, prop)
        if kind in ("integer", "number"):
            return self._range(schema, hint)
        if kind == "boolean":
            return _source(lambda ctx: ctx.rng.random() < 0.5, lambda k: "(_r() < 0.5)")
        if kind == "null":
            return _source(lambda ctx: None, lambda k: "None")
        return self._string(schema, prop)

    def _object(self, schema: dict, hint: dict) -> Gen:
        props = []
        for name, sub in schema.get("properties", {}).items():
            normal, edge_aware = self._pair(sub, name)
            props.append((name, edge_aware, _omit_code(sub, name), _is_container(sub), normal))
        printed = [name for name, *_ in props]
        early = [n for n in hint.get("first", []) if n in printed]
        if early:  # generation order differs from the printed order
            props.sort(key=lambda p: p[0] not in early)
        fast = tuple((name, normal, omit) for name, _, omit, _, normal in props)
        binds = [(name, b["entity"], _simple_expr(compile_expr(str(b.get("id", "index")), f"<bind {name}>"),
                                                 str(b.get("id", "index"))))
                 for name, b in hint.get("bind", {}).items()]
        compiler = self

        def make(ctx: Ctx) -> dict:
            if ctx.override is not None or ctx.edge:
                return general(ctx)
            saved = _enter(ctx, binds, compiler)
            obj = ctx.obj
            for name, gen, omit in fast:
                if omit is not None and omit(ctx):
                    continue
                obj[name] = gen(ctx)
            if early:
                obj = {k: obj[k] for k in printed if k in obj}
            _leave(ctx, saved)
            return obj

        def general(ctx: Ctx) -> dict:
            """Pinned records (fields given) and edge data: every field checks what it was given."""
            given, ctx.override = ctx.override, None
            if not isinstance(given, dict):
                given = None
            outer = (ctx.obj, ctx.times, ctx.bound)
            if ctx.obj or ctx.times:
                ctx.outer.append((ctx.obj, ctx.times))
            ctx.obj, ctx.times, ctx.bound = {}, {}, dict(ctx.bound)
            for name, entity, id_of in binds:
                ctx.bound[name] = compiler.entity(entity, id_of(ctx), ctx)
            for name, gen, omit, container, _ in props:
                if given is not None and name in given:
                    _use_given(ctx, name, given[name], gen, container)
                    continue
                if omit is not None and omit(ctx):
                    continue
                ctx.obj[name] = gen(ctx)
            if given is not None:  # fields the schema does not know are kept as given
                for name, value in given.items():
                    ctx.obj.setdefault(name, value)
            result = ctx.obj
            if early:
                result = {k: result[k] for k in printed if k in result} | {k: v for k, v in result.items() if k not in printed}
            if outer[0] or outer[1]:
                ctx.outer.pop()
            ctx.obj, ctx.times, ctx.bound = outer
            return result

        return _straight(list(fast), binds, compiler, make, printed if early else None, True, "object")

    def _array(self, schema: dict, hint: dict, prop: str) -> Gen:
        normal, item = self._pair(schema.get("items", {}), prop)  # item: self.compile's generator
        lo, hi = hint.get("count", [schema.get("minItems", 0), schema.get("maxItems", 3)])
        container = _is_container(schema.get("items", {}))

        def make(ctx: Ctx) -> list:
            given, ctx.override = ctx.override, None
            if isinstance(given, list):  # a pinned record lists the elements itself
                out = []
                for element in given:
                    if container and isinstance(element, (dict, list)):
                        ctx.override = element
                        out.append(item(ctx))
                        ctx.override = None
                    else:
                        out.append(element)
                return out
            return [item(ctx) for _ in range(lo if lo == hi else ctx.rng.randint(lo, hi))]  # a fixed count draws nothing

        def lines(k: Callable[[Any], str]) -> list[str]:
            """The fast path's statements (no pinned list there): the count, then the elements."""
            if lo == hi:
                n = k(lo)
            elif type(lo) is int and type(hi) is int and lo <= hi and hi - lo + 1 <= 1 << 53:
                n = f"({k(lo)} + int(_r() * {k(hi - lo + 1)}))"
            else:
                n = f"_c.rng.randint({k(lo)}, {k(hi)})"
            a = f"_a{k.fresh()}"
            return [f"{a} = []", f"for _ in range({n}):", *(f"    {line}" for line in _value_lines(normal, k)),
                    f"    {a}.append(_v)", f"_v = {a}"]

        make.lines = lines
        return make

    def _range(self, schema: dict, hint: dict) -> Gen:
        lo, hi = hint.get("range", [schema.get("minimum", 0), schema.get("maximum", 1000)])
        if schema.get("type") == "integer" or "decimals" not in hint and all(isinstance(v, int) for v in (lo, hi)) and schema.get("type") != "number":
            gen = lambda ctx: ctx.rng.randint(lo, hi)
            if type(lo) is int and type(hi) is int and lo <= hi and hi - lo + 1 <= 1 << 53:  # Draws.randint, inlined
                return _source(gen, lambda k: f"({k(lo)} + int(_r() * {k(hi - lo + 1)}))")
            return gen
        decimals = int(hint.get("decimals", 2))
        gen = lambda ctx: round(ctx.rng.uniform(lo, hi), decimals)
        if all(type(v) in (int, float) for v in (lo, hi)):  # Draws.uniform, inlined: a + (b - a) * random()
            return _source(gen, lambda k: f"round({k(lo)} + ({k(hi)} - {k(lo)}) * _r(), {k(decimals)})")
        return gen

    def _string(self, schema: dict, prop: str) -> Gen:
        fmt = schema.get("format")
        if fmt == "uuid":
            gen = lambda ctx: random_uuid(ctx.rng.random)
            gen.lines = lambda k: [  # random_uuid's statements
                f"_u1 = int(_r() * {_HEX52!r})", f"_u2 = int(_r() * {_HEX52!r})", f"_u3 = int(_r() * {_HEX52!r})",
                f"_h = {_UUID_HEX!r} % (_u1, _u2, _u3 >> 36)",
                "_v = f\"{_h[:8]}-{_h[8:12]}-4{_h[12:15]}-{'89ab'[_u3 & 3]}{_h[15:18]}-{_h[18:]}\""]
            return gen
        if fmt == "date-time":
            return self._time({"after": [], "within": 365 * 86400}, prop)
        if fmt == "email" or "email" in prop.lower():
            return _pool_pick("email")
        lowered = prop.lower()
        for needle, name in (("name", "name"), ("code", "promo_code"), ("label", "class_label"), ("url", "url")):
            if needle in lowered:
                return _pool_pick(name)
        return _pool_pick("word")

    def _time(self, hint: dict, prop: str) -> Gen:
        style = hint.get("style", "ms")
        fmt = FORMATS.get(style) or (lambda t: format_time(t, style))
        bound = _time_bound(hint, prop)

        def clamp(k: Callable[[Any], str]) -> str:  # min(t, now), or the bound
            return f"_v = {k(bound)}(_c, _v)" if bound is not None else "_v = _v if _v <= _c.now_ms else _c.now_ms"

        if "timeline" in hint:
            span_ms = int(float(hint["timeline"].get("days", 365)) * 86_400_000)

            def timeline(ctx: Ctx) -> str:
                step = span_ms / max(ctx.size, 1)
                t = int(ctx.now_ms - span_ms + (ctx.index + ctx.rng.random() * 0.9) * step)
                t = bound(ctx, t) if bound is not None else min(t, ctx.now_ms)
                ctx.times[prop] = t
                return fmt(t)

            timeline.lines = lambda k: [
                f"_v = int(_c.now_ms - {k(span_ms)} + (_c.index + _r() * 0.9) * ({k(span_ms)} / max(_c.size, 1)))",
                clamp(k), f"_t[{k(prop)}] = _v", *_format_lines(style, fmt, k)]
            timeline.time = True  # a time, never None: what _time_of may take from _t directly
            return timeline
        sign = -1 if "before" in hint else 1
        refs = hint.get("after", hint.get("before"))
        refs = refs if isinstance(refs, list) else [refs]
        within_ms = int(float(hint.get("within", 86400)) * 1000)
        min_ms = int(float(hint.get("min", 0)) * 1000)

        def after(ctx: Ctx) -> str:
            known = [t for t in (ctx.time_of(r) for r in refs) if t is not None]
            if known:
                anchor = max(known) if sign > 0 else min(known)
                t = anchor + sign * (min_ms + int(ctx.rng.random() * within_ms))
            else:
                t = ctx.now_ms - int(ctx.rng.random() * within_ms)
            t = bound(ctx, t) if bound is not None else min(t, ctx.now_ms)
            ctx.times[prop] = t
            return fmt(t)

        def lines(k: Callable[[Any], str]) -> list[str]:
            """The same arithmetic on ints: `anchor + sign * x` is `anchor + x` or `anchor - x`."""
            drawn = f"_c.now_ms - int(_r() * {k(within_ms)})"
            moved = f"{'+' if sign > 0 else '-'} ({k(min_ms)} + int(_r() * {k(within_ms)}))"
            if not refs:
                found = [f"_v = {drawn}"]
            elif refs[0] in getattr(k, "sure", ()) and len(refs) == 1:
                found = [f"_v = _t[{k(refs[0])}] {moved}"]
            elif len(refs) == 1:
                found = [f"_v = {_time_of(refs[0], k)}", f"_v = _v {moved} if _v is not None else {drawn}"]
            else:
                known = ", ".join(_time_of(r, k) for r in refs)
                found = [f"_v = [_x for _x in ({known}) if _x is not None]",
                         f"_v = {'max' if sign > 0 else 'min'}(_v) {moved} if _v else {drawn}"]
            return found + [clamp(k), f"_t[{k(prop)}] = _v", *_format_lines(style, fmt, k)]

        after.lines, after.time = lines, True
        return after


# ------------------------------------------------------------------------ straight-line objects
#
# An object's fast path was a loop over (name, generator, omit) tuples, each field a closure call,
# often a lambda around one more call (the whole tree of an item: some 70 Python calls). Most of
# an item's time went to that machinery, not to its values. Each object is now also compiled to
# Python source (`_straight`): one function per item schema, every field a statement, and
#
# - simple values as expressions over `_r` (the item's `Draws.random`, bound once): constants,
#   sequences, path parameters, choices (weighted ones as a chain of comparisons), enums, ranges
#   (Draws.randint and Draws.uniform's arithmetic), pools, booleans, cycles, `nulls`;
# - times, random uuids, arrays and nested objects as statements leaving their value in `_v`
#   (`gen.lines`): a nested object's `_enter`/`_leave` are assignments to the context, inline;
# - `expr:` hints inlined (`compile_expr` keeps the source it compiled, its names bound from the
#   function's locals), each statement in a `try` whose handler re-raises through a frame named
#   as the expression, so an error still names its field (trial.describe);
# - an omit check only where a field has `omit_if`; `skip:` fields not there at all;
# - values of the collection alone (a cycle's offset, a `uuid_from` or an `expr` of the path
#   parameters) computed by the first item that needs them and read from `_q` (`ctx.memo`, one
#   dict per collection: dataset.World._stem) by the others; pure, so no item depends on which
#   item came first.
#
# The draws are the same calls in the same order on the same stream, so the values are byte for
# byte the loop's (tests/test_item_speed_equivalence.py holds digests recorded before). What the
# source does not handle takes the loop: pinned records and edge data (ctx.override, ctx.edge),
# and streams that are not `Draws` (plain specs seed `random.Random`, whose randint differs).
# `print(recipe.generate.text)` shows an item's function.


def _source(gen: Gen, source: Callable[[Callable[[Any], str]], str]) -> Gen:
    """Mark a generator with the source of an expression giving the same value with the same draws:
    `source(k)` returns it, `k(value)` names a value it needs (a constant, a table, a function)."""
    gen.source = source
    return gen


def _one_of(values: list) -> Gen:
    return _source(lambda ctx: values[int(ctx.rng.random() * len(values))],
                   lambda k: f"{k(values)}[int(_r() * {len(values)})]")


def _call(gen: Gen, k: Callable[[Any], str]) -> str:
    text = _call_text(gen, k)
    return _memo_text(k(gen), text, k) if getattr(gen, "per_collection", False) else text


def _call_text(gen: Gen, k: Callable[[Any], str]) -> str:
    source = getattr(gen, "source", None)
    if source is not None:
        return source(k)
    inline = getattr(gen, "inline", None)
    if inline is not None and getattr(k, "labels", None) is not None:
        k.labels.add(gen.label)  # the statement is wrapped so that an error still names it
        return inline
    return f"{k(gen)}(_c)"


def _labelled(label: str) -> Callable[[BaseException], None]:
    """Re-raises an error through a frame named `label`: trial.describe names the innermost such
    frame, which was the expression's own function before it was inlined."""
    namespace: dict[str, Any] = {}
    exec(compile("def _raise(error):\n    raise error\n", label, "exec"), namespace)  # noqa: S102
    return namespace["_raise"]


def _guarded(block: Callable[[], list[str]], k: "_Names") -> list[str]:
    """The statements `block()` makes, in a try whose handler names the expression inlined in them
    (the statements of nested objects guard their own); where they inline expressions of two
    labels, they are made again calling the expressions instead."""
    outer, k.labels = k.labels, set()
    lines = block()
    labels, k.labels = k.labels, outer
    if not labels:
        return lines
    if len(labels) > 1:
        k.labels = None
        lines = block()
        k.labels = outer
        return lines
    return ["try:", *(f"    {line}" for line in lines), f"except {k(Exception)} as _e:",
            f"    {k(_labelled(labels.pop()))}(_e)"]


_CLOCKS = {  # times.format_ms and its kin as statements on _v (epoch ms): (first step, the text's shape)
    "ms": ("_s, _ms = {divmod}(_v, 1000)", "{day}T{minute}:{second}.{milli}Z"),
    "s": ("_s = _v // 1000", "{day}T{minute}:{second}Z"),
    "us": ("_s, _ms = {divmod}(_v, 1000)", "{day}T{minute}:{second}.{milli}000Z"),
    "sql": ("_s = _v // 1000", "{day} {minute}:{second}"),
}


def _format_lines(style: str, fmt: Callable[[int], str], k: Callable[[Any], str]) -> list[str]:
    """`_v = fmt(_v)` for a time style, the formatter's arithmetic inlined where times.py has it."""
    if style not in _CLOCKS or FORMATS.get(style) is not fmt:
        return [f"_v = {k(fmt)}(_v)"]
    first, shape = _CLOCKS[style]
    days, dm = k(times_days), k(divmod)
    text = shape.format(day=f"{{{days}[_d] if _d in {days} else {k(times_day)}(_d)}}", minute=f"{{{k(times_minutes)}[_m]}}",
                        second=f"{{{k(times_seconds)}[_s]}}", milli=f"{{{k(times_millis)}[_ms]}}")
    return [first.format(divmod=dm), f"_d, _s = {dm}(_s, 86400)", f"_m, _s = {dm}(_s, 60)", f"_v = f{text!r}"]


def _time_of(name: str, k: Callable[[Any], str]) -> str:
    """`ctx.time_of(name)`, its first test inlined (a field of this object, the usual case); a time
    of this object generated earlier that cannot be omitted or null is simply `_t[name]`, and one of
    an enclosing object inlined in the same source (a usage's `meta.timestamps.updated_at` after its
    `used_on`) is read from that object's saved times: the method call was 1 us of a 17 us item."""
    if name in getattr(k, "sure", ()):
        return f"_t[{k(name)}]"
    if getattr(k, "fields", None) is not None and name not in k.fields:
        for times, sure, fields in reversed(k.enclosing):  # an enclosing object inlined here, as time_of walks them
            if name in sure:
                return f"{times}[{k(name)}]"
            if fields is None or name in fields:  # not known here, or maybe omitted there: ask at run time
                break
    return f"(_c.time_of({k(name)}) if _t.get({k(name)}) is None or _o.get({k(name)}) is None else _t[{k(name)}])"


def _cycle_source(length: int, salt: str, k: Callable[[Any], str]) -> str:
    """`cycle_position(ctx.index, ctx.seed, ctx.params, length, salt)`, inlined, the offset (of the
    seed and the path parameters) read from the collection's memo."""
    offset = f"{k(_cycle_offset)}(_c.seed, tuple(sorted(_c.params.items())), {k(salt)}, {length})"
    return f"(_c.index * {CYCLE_STRIDE} + {_memo_text(k(f'cycle {salt} {length}'), offset, k)}) % {length}"


_IMMUTABLE = (str, int, float, bool, type(None))


def _keep(memo: dict, key: Any, value: Any) -> Any:
    """`value`, kept in the collection's memo where it is immutable: two items never share a list
    (an item may be edited in place)."""
    if type(value) in _IMMUTABLE:
        memo[key] = value
    return value


def _memo_text(key: str, text: str, k: Callable[[Any], str]) -> str:
    """`text` (a value of the collection alone) evaluated by the first item that needs it, then read
    from the memo (`_q`, the context's `memo`). An error is not kept: each item raises it again."""
    return f"(_q[{key}] if {key} in _q else {k(_keep)}(_q, {key}, {text}))"


# The names of an expression whose value is the same for every item of a collection (the memo is
# per collection, and `seed` and `now_ms` per world): those, literals, the pure helpers and builtins.
_COLLECTION_NAMES = frozenset({"params", "seed", "size", "now_ms", "True", "False", "None", *SAFE_BUILTINS,
                               *_GLOBAL_HELPERS})


def _per_collection(gen: Gen) -> bool:
    """Whether a compiled expression depends on nothing but the collection: no draws, no index, no
    other field, no other collection (`world`)."""
    tree = getattr(gen, "expression", None)
    if tree is None:
        return False
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    return loaded - local <= _COLLECTION_NAMES


def _memoized(gen: Gen) -> Gen:
    """Mark an expression of the collection alone that calls something (a literal, a parameter or
    `seed` cost less than the memo's lookup) to be computed once per collection."""
    tree = getattr(gen, "expression", None)
    if _per_collection(gen) and any(isinstance(n, ast.Call) for n in ast.walk(tree)):
        gen.per_collection = True
    return gen


def _value_lines(gen: Gen, k: Callable[[Any], str]) -> list[str]:
    """Statements leaving the generator's value in `_v`."""
    lines = getattr(gen, "lines", None)
    return lines(k) if lines is not None else [f"_v = {_call(gen, k)}"]


def _simple_expr(gen: Gen, text: str) -> Gen:
    """An expression that cannot raise, inlined: a literal, `index`, `seed` or `randint(LO, HI)`
    of literal ints (Draws.randint's arithmetic). Any other stays a call of its compiled function."""
    try:
        tree = getattr(gen, "expression", None)  # compile_expr's tree: no second parse
        node = (tree if tree is not None else pyast.parse(text.strip(), mode="eval")).body
        value = ast.literal_eval(node)
    except (SyntaxError, ValueError, TypeError):
        value = gen
    if value is not gen and type(value) in (int, float, str, bool, type(None)):
        return _source(gen, lambda k: k(value) if value is not None else "None")
    if isinstance(node, ast.Name) and node.id in ("index", "seed"):
        return _source(gen, lambda k: f"_c.{node.id}")
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "randint"
            and len(node.args) == 2 and not node.keywords):
        try:
            lo, hi = (ast.literal_eval(a) for a in node.args)
        except ValueError:
            return gen
        if type(lo) is int and type(hi) is int and lo <= hi and hi - lo + 1 <= 1 << 53:
            return _source(gen, lambda k: f"({k(lo)} + int(_r() * {k(hi - lo + 1)}))")
    return gen


class _Names:
    """Names for the values a generated source needs (`k(value)`; ints, floats, bools and strings
    print as literals), and fresh suffixes for the locals of inlined objects."""

    def __init__(self, namespace: dict):
        self.namespace, self.names, self.count = namespace, {}, 0
        self.labels: set | None = set()  # labels of the expressions inlined in the statement at hand
        self.sure: set = set()  # times of the object at hand already in `_t`, never omitted or None
        self.fields: frozenset | None = None  # the field names of the object at hand (None: not known here)
        # The enclosing objects inlined in this source, innermost last: (its times' local, its
        # sure times when the inner object began, its field names)
        self.enclosing: list[tuple[str, frozenset, frozenset | None]] = []

    def __call__(self, value: Any) -> str:
        if type(value) in (int, float, bool, str) and value == value:  # literals print exactly (not NaN/inf)
            text = repr(value)
            if "inf" not in text:
                return text
        if id(value) not in self.names:
            self.names[id(value)] = name = f"_k{len(self.names)}"
            self.namespace[name] = value
        return self.names[id(value)]

    def fresh(self) -> int:
        self.count += 1
        return self.count


def _object_lines(fields: list, binds: list, compiler: "SchemaCompiler", printed: list | None, k: _Names) -> list[str]:
    """Statements building an object into `_v`, as `_enter`, the fast loop and `_leave` do: inside,
    `_o` and `_t` are the object's fields and times (ctx.obj, ctx.times); after, the enclosing ones."""
    d = k.fresh()
    so, st, sb, push = f"_so{d}", f"_st{d}", f"_sb{d}", f"_push{d}"
    enclosing_sure, k.sure = k.sure, set()
    k.enclosing.append((st, frozenset(enclosing_sure), k.fields))
    enclosing_fields, k.fields = k.fields, frozenset(name for name, _, _ in fields)
    lines = [f"{so}, {st} = _c.obj, _c.times", f"{push} = {so} or {st}", f"if {push}:",
             f"    _c.outer.append(({so}, {st}))", "_c.obj = _o = {}", "_c.times = _t = {}"]
    if binds:
        lines += [f"{sb} = _c.bound", f"_c.bound = _b = dict({sb})"]
        for name, entity, id_of in binds:
            lines += _guarded(lambda: [f"_b[{k(name)}] = {k(compiler.entity)}({k(entity)}, {_call(id_of, k)}, _c)"], k)
    for name, gen, omit in fields:
        if omit is _always:  # `skip:` never generated, nothing drawn
            continue
        if getattr(gen, "lines", None) is not None:  # statements leaving the value in _v (times, objects)
            block = lambda: [*gen.lines(k), f"_o[{k(name)}] = _v"]
        else:
            block = lambda: [f"_o[{k(name)}] = {_call(gen, k)}"]
        if omit is not None:
            lines += _guarded(lambda: [f"_w = {_call(omit, k)}"], k)
            lines += ["if not _w:", *(f"    {line}" for line in _guarded(block, k))]
        else:
            lines += _guarded(block, k)
            if getattr(gen, "time", False):
                k.sure.add(name)
    lines.append(f"_v = {{n: _o[n] for n in {k(tuple(printed))} if n in _o}}" if printed is not None else "_v = _o")
    lines += [f"if {push}:", "    _c.outer.pop()", f"_c.obj = _o = {so}", f"_c.times = _t = {st}"]
    if binds:
        lines.append(f"_c.bound = {sb}")
    k.sure, k.fields = enclosing_sure, enclosing_fields
    k.enclosing.pop()
    return lines


def _straight(fields: list, binds: list, compiler: "SchemaCompiler", slow: Gen, printed: list | None,
              check: bool, label: str) -> Gen:
    """The function of an object's fast path: `fields` are (name, generator, omit) in generation
    order, `printed` the order to return them in (None: the same), `slow` what contexts the source
    does not handle get (`check`: pinned records and edge data too, as `_object`'s loop). An
    enclosing object inlines it (`make.lines`): its checks are the enclosing one's."""
    namespace: dict[str, Any] = {**_EXPR_GLOBALS, "_Draws": Draws, "_slow": slow}  # inlined expressions' names
    k = _Names(namespace)
    body = _object_lines(fields, binds, compiler, printed, k)
    guard = "_c.rng.__class__ is not _Draws" + (" or _c.override is not None or _c.edge" if check else "")
    lines = ["def make(_c):", f"    if {guard}:", "        return _slow(_c)"]
    if any("_r" in line for line in body):
        lines.append("    _r = _c.rng.stream()")
    if any("_q[" in line for line in body):
        lines.append("    _q = _c.memo")
    lines += [f"    {line}" for line in body] + ["    return _v"]
    exec(compile("\n".join(lines) + "\n", f"{__file__}:{label}", "exec"), namespace)  # noqa: S102 - our own source
    make = namespace["make"]
    make.text = "\n".join(lines)  # for a reader: print(recipe.generate.text)
    make.lines = lambda k: _object_lines(fields, binds, compiler, printed, k)
    return make


NOT_AFTER_GAP_MS = 7 * 86_400_000  # how long before its bound a clamped time lands, at most


def _enter(ctx: "Ctx", binds: list, compiler: "SchemaCompiler") -> tuple:
    """Start a new object: the enclosing one is pushed (its fields stay visible to `after:` and
    `enclosing`), and the object's `bind:` entities are resolved. Returns what `_leave` restores."""
    saved = (ctx.obj, ctx.times, ctx.bound)
    pushed = bool(saved[0] or saved[1])
    if pushed:
        ctx.outer.append((saved[0], saved[1]))
    ctx.obj, ctx.times = {}, {}
    if binds:
        here = ctx.bound = dict(saved[2])
        for name, entity, id_of in binds:
            here[name] = compiler.entity(entity, id_of(ctx), ctx)
    return saved, pushed


def _leave(ctx: "Ctx", state: tuple) -> None:
    saved, pushed = state
    if pushed:
        ctx.outer.pop()
    ctx.obj, ctx.times, ctx.bound = saved


def _as_number(value: Any, cast: Callable[[Any], Any]) -> Any:
    """`"42"` as 42 for an integer field bound to a path parameter; a value that is not one stays as it is
    (the request's validation refuses such a path where the parameter is typed)."""
    if isinstance(value, str):
        try:
            return cast(value)
        except ValueError:
            return value
    return value


def _time_bound(hint: dict, prop: str) -> Callable[[Ctx, int], int] | None:
    """Clamp a generated time: not after "now" (unless `future`), and before `not_after`'s time.
    The gap below a bound is always drawn, so the fields after this one do not depend on whether
    the clamp applied. None: the plain clamp to "now" (inlined by the callers)."""
    future = bool(hint.get("future"))
    limit_of = compile_expr(hint["not_after"], f"<x-faker {prop} not_after>") if "not_after" in hint else None
    if limit_of is None and not future:
        return None

    def bound(ctx: Ctx, t: int) -> int:
        if not future:
            t = min(t, ctx.now_ms)
        if limit_of is not None:
            gap = 1000 + int(ctx.rng.random() * NOT_AFTER_GAP_MS)
            limit = limit_of(ctx)
            limit_ms = parse_time_ms(limit) if isinstance(limit, str) else None
            if limit_ms is not None and t >= limit_ms:
                t = limit_ms - gap
        return t

    return bound


def _enclosing(ctx: Ctx) -> Callable[[str], Any]:
    """`enclosing('code')`: a field of this object or of the nearest enclosing one that has it."""
    def find(name: str) -> Any:
        if name in ctx.obj:
            return ctx.obj[name]
        for obj, _ in reversed(ctx.outer):
            if name in obj:
                return obj[name]
        return None
    return find


_EXPR_GLOBALS: dict[str, Any] = {}  # filled below, once the helpers exist


_PRODUCERS = {"expr", "from", "const", "path", "seq", "uuid_from", "choice", "pool", "range"}


def _is_container(schema: dict) -> bool:
    """An object or array the generator builds field by field (so a pinned value can be completed)."""
    kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
    hint = schema.get("x-faker")
    produced = isinstance(hint, str) or (isinstance(hint, dict) and bool(_PRODUCERS & set(hint)))
    return ("object" in kinds or "array" in kinds or "properties" in schema) and not produced


def _use_given(ctx: Ctx, name: str, value: Any, gen: Gen, container: bool) -> None:
    """A pinned record's value: nested objects are completed by the generator, the rest kept as is."""
    if container and isinstance(value, (dict, list)):
        ctx.override = value
        ctx.obj[name] = gen(ctx)
        ctx.override = None
        return
    ctx.obj[name] = value
    if isinstance(value, str):
        ms = parse_time_ms(value)
        if ms is not None:
            ctx.times[name] = ms  # so `after:` fields stay consistent with a pinned time


EDGE_STRINGS = (
    "Zoë Ørsted-Núñez", "李小龍", "محمد بن سلمان", "😀🎉 Party 🎊", "O'Brien \"The Hammer\" <b>&amp;</b>",
    "Z̷̢a̶l̵g̷o̸ t̴e̷x̶t̵", "zero\u200bwidth\u200bspaces", "   leading and trailing   ", "tab\tand\nnewline",
    "Ǆemal Ǉubović", "ﬀﬁﬂ ligatures", "NULL", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔪𝔞𝔱𝔥",
)


def edge_string(rng: Any, max_length: int = 255) -> str:
    """Hostile but valid text: odd scripts, emoji, markup, or a string at its maximum length."""
    if rng.random() < 0.3:
        return ("é" * max_length)[:max_length]
    return EDGE_STRINGS[int(rng.random() * len(EDGE_STRINGS))][:max_length]


def _always(ctx: Ctx) -> bool:
    return True


def _omit_code(schema: dict, prop: str):
    hint = schema.get("x-faker")
    if isinstance(hint, dict) and hint.get("skip"):
        return _always
    if isinstance(hint, dict) and "omit_if" in hint:
        return compile_expr(hint["omit_if"], f"<omit_if {prop}>")
    return None


_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof", "md", "dds", "phd", "dvm", "jr", "sr", "ii", "iii", "iv", "v"}


@lru_cache(maxsize=8192)
def email_for(name: str, domain: str) -> str:
    """`Dr. Jane O'Neil Jr.` -> `jane.oneil@domain`: a valid address that matches the name."""
    words = ["".join(ch for ch in w.lower() if ch.isascii() and ch.isalpha()) for w in name.split()]
    words = [w for w in words if w and w not in _HONORIFICS] or ["customer"]
    return f"{'.'.join(words)}@{domain}"


_CODE_NUMBERS = (5, 10, 15, 20, 25, 30, 40, 50)
_CODE_ALPHABET = string.ascii_uppercase + string.digits


@lru_cache(maxsize=4096)
def _code_shift(salt: Any) -> int:
    return stable_int("codes", salt) % (len(_PROMO_WORDS) * len(_CODE_NUMBERS))


def unique_code(salt: Any, index: int) -> str:
    """A promo code unique within its collection for every index (SUMMER25, 10OFF, then K7Q2...)."""
    combos = len(_PROMO_WORDS) * len(_CODE_NUMBERS)
    if index < combos:
        k = (_code_shift(salt) + index * 37) % combos  # 37 is prime to `combos`: a permutation
        return f"{_PROMO_WORDS[k // len(_CODE_NUMBERS)]}{_CODE_NUMBERS[k % len(_CODE_NUMBERS)]}"
    first = islice(_block(key_of("code", salt, index), 0), 6)  # draws_for(...)'s first six draws: its first block
    return "".join([_CODE_ALPHABET[int(u * 36)] for u in first]) + _base36(index)


_COMBOS = len(_PROMO_WORDS) * len(_CODE_NUMBERS)
_CODE_RANK = {f"{_PROMO_WORDS[k // len(_CODE_NUMBERS)]}{_CODE_NUMBERS[k % len(_CODE_NUMBERS)]}": k for k in range(_COMBOS)}
assert len(_CODE_RANK) == _COMBOS  # every word-and-number code is one combination
_INVERSE_37 = pow(37, -1, _COMBOS)


def unique_code_index(salt: Any, code: str, size: int) -> int | None:
    """The index whose `unique_code(salt, index)` is `code`, or None when no index below `size`
    gives it: a listing check by arithmetic, not by generating the codes before it. Raises
    LookupError where arithmetic cannot tell (past the word-and-number codes, the drawn ones)."""
    k = _CODE_RANK.get(code)
    if k is not None:
        index = (k - _code_shift(salt)) * _INVERSE_37 % _COMBOS
        return index if index < size else None
    if size <= _COMBOS:
        return None
    raise LookupError(code)


# Helpers whose value has an inverse: `x-faker: {expr: "unique_code(SALT, index)"}` on an identity
# lets a `listed_in` check find an identity's index without listing the ones before it.
INVERSES = {"unique_code": unique_code_index}


def compile_identity_index(expr: str) -> Callable[[dict, str, int], int | None] | None:
    """For an identity made by `HELPER(SALT, index)` (an inverse in INVERSES, SALT over `params`
    only): a function (params, identity, size) -> the index that makes it, or None where no index
    below size does. None when the expression is not of that form."""
    try:
        tree = pyast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in INVERSES
            and len(tree.args) == 2 and not tree.keywords and isinstance(tree.args[1], ast.Name)
            and tree.args[1].id == "index"):
        return None
    salt = tree.args[0]
    if not {n.id for n in ast.walk(salt) if isinstance(n, ast.Name)} <= {"params"}:
        return None
    salt_of = eval(compile(f"lambda params: ({ast.unparse(salt)})", "<identity salt>", "eval"),  # noqa: S307
                   {"__builtins__": {}})
    inverse = INVERSES[tree.func.id]
    return lambda params, identity, size: inverse(salt_of(params), identity, size)


def _base36(n: int) -> str:
    digits = string.digits + string.ascii_uppercase
    out = ""
    while True:
        n, d = divmod(n, 36)
        out = digits[d] + out
        if n == 0:
            return out


def _cumulative(weights: list[float]) -> list[float]:
    total, out = float(sum(weights)), []
    running = 0.0
    for w in weights:
        running += w / total
        out.append(running)
    return out


def _pick_source(values: list, cumulative: list[float], k: Callable[[Any], str]) -> str:
    """`values[_pick(cumulative, _r())]` as a chain of comparisons (a few weights: no loop, no call)."""
    if len(cumulative) > 6:
        return f"{k(values)}[{k(_pick)}({k(cumulative)}, _r())]"
    index = str(len(cumulative) - 1)  # what _pick gives when u is past every edge
    for i in range(len(cumulative) - 2, 0, -1):
        index = f"{i} if _u < {k(cumulative[i])} else {index}"
    return f"{k(values)}[0 if (_u := _r()) < {k(cumulative[0])} else {index}]"


def _pick(cumulative: list[float], u: float) -> int:
    for i, edge in enumerate(cumulative):
        if u < edge:
            return i
    return len(cumulative) - 1


_EXPR_GLOBALS.update({
    "__builtins__": SAFE_BUILTINS, "_enclosing": _enclosing,
    "stable_int": stable_int, "pool": pool, "unique_code": unique_code, "email_for": email_for,
})
