"""The fast generator (issue 10): counter-based draws, compiled expressions, identity prefixes.

Speed is measured in bench/, never here; these tests pin what the speed must not change: item i
is a pure function of (seed, collection, i) in every process, and the shortcuts give exactly what
the full generator gives.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from mockserver import create_app
from mockserver import language
from mockserver.dotted import dig
from mockserver.draws import Draws, draws_for, key_of
from mockserver.fake import EXPRESSION_NAMES, Ctx, compile_expr, derived_uuid, random_uuid, uuid4_text
from mockserver.times import TIME_STYLES, format_time

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Item digests of every collection recipe, computed in a fresh interpreter with another hash seed.
DIGEST = textwrap.dedent("""
    import hashlib, json, sys
    from mockserver import create_app

    def digest_of(seed):
        world = create_app(seed=seed).state.world
        digest = hashlib.sha256()
        for recipe in sorted(world.recipes.values(), key=lambda r: r.id):
            params = {name: "P-" + name for name in recipe.key_params}
            collection = world.collection_for(recipe, params, size=300)
            for i in (0, 1, 2, 150, 299):
                digest.update(json.dumps(collection.item(i), sort_keys=True, default=str).encode())
        return digest.hexdigest()

    if __name__ == "__main__":
        print(digest_of(int(sys.argv[1])))
""")


def _digest_here(seed: int) -> str:
    namespace: dict = {"__name__": "digest"}
    exec(DIGEST, namespace)  # noqa: S102 - the same code the other process runs
    return namespace["digest_of"](seed)


def test_items_are_the_same_in_every_process():
    out = subprocess.run([sys.executable, "-c", DIGEST, "5"], capture_output=True, text=True, check=True,
                         timeout=120, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert out.stdout.strip() == _digest_here(5)
    assert _digest_here(5) != _digest_here(6)


def test_draws_are_a_pure_function_of_the_key():
    a, b = Draws(key_of(1, "x")), Draws(key_of(1, "x"))
    seq = [a.random() for _ in range(40)]  # several blocks
    assert seq == [b.random() for _ in range(40)]
    assert seq != [draws_for(1, "y").random() for _ in range(40)]
    assert all(0.0 <= u < 1.0 for u in seq)
    assert len(set(seq)) == len(seq)


def test_draws_keep_random_random_contracts():
    d = draws_for("contracts")
    ints = [d.randint(3, 5) for _ in range(2000)]
    assert set(ints) == {3, 4, 5}
    assert all(2.0 <= d.uniform(2, 4) <= 4.0 for _ in range(200))
    assert {d.choice("ab") for _ in range(200)} == {"a", "b"}
    assert 0 <= d.getrandbits(128) < 1 << 128
    assert 0 <= d.randint(0, 10**30) <= 10**30
    assert sorted(d.sample(range(10), 10)) == list(range(10))
    with pytest.raises(ValueError):
        d.randint(5, 4)
    with pytest.raises(IndexError):
        d.choice([])


def test_uuids_are_version_4():
    d = draws_for("uuids")
    for _ in range(500):
        text = random_uuid(d.random)
        assert uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text
    value = random.Random(3).getrandbits(128)
    assert uuid4_text(value) == str(uuid.UUID(int=value, version=4))
    assert derived_uuid(0, "staff", 3) == derived_uuid(0, "staff", 3) != derived_uuid(0, "staff", 4)
    assert uuid.UUID(derived_uuid(0, ["unhashable"])).version == 4


def test_times_print_as_datetime_prints_them():
    r = random.Random(10)
    for _ in range(3000):
        ms = r.randint(-2 * 10**12, 4 * 10**12)
        for style, render in TIME_STYLES.items():
            assert format_time(ms, style) == render(EPOCH + timedelta(milliseconds=ms))


def _ctx(**obj) -> Ctx:
    ctx = Ctx(draws_for("expr"), 7, 100, {"id": "P"}, 0, 3)
    ctx.obj = dict(obj)
    return ctx


def test_compiled_expressions_see_what_eval_saw():
    assert compile_expr("(max_uses if 'max_uses' in obj else 5) + index", "t")(_ctx()) == 12  # read lazily
    assert compile_expr("(max_uses if 'max_uses' in obj else 5) + index", "t")(_ctx(max_uses=1)) == 8
    assert compile_expr("[n * 2 for n in range(size // 50)] + [params['id'], seed]", "t")(_ctx()) == [0, 2, "P", 3]
    assert compile_expr("sorted(set(randint(1, 3) for _ in range(20)))", "t")(_ctx()) == [1, 2, 3]
    assert compile_expr("{'a': a, **({'b': 1} if a else {})}", "t")(_ctx(a=2)) == {"a": 2, "b": 1}
    assert compile_expr("parent", "t")(_ctx()) == {}
    with pytest.raises(KeyError):
        compile_expr("missing + 1", "t")(_ctx())


def test_expressions_see_the_names_the_language_documents():
    assert set(EXPRESSION_NAMES) == set(language.EXPRESSION_NAMES)


@pytest.mark.parametrize("seed", [0, 7])
def test_identity_prefix_gives_the_identity_of_the_whole_item(seed):
    """`listed_in` lists a parent's identities from a prefix of each item's draws: the same values."""
    world = create_app(seed=seed).state.world
    checked = 0
    for recipe in world.recipes.values():
        if recipe.identity_prefix is None:
            continue
        for promo in ("promo-1", "promo-2", "promo-77"):
            params = {name: promo for name in recipe.key_params}
            collection = world.collection_for(recipe, params, size=120)
            ids = [str(dig(item, recipe.identity)) for item in world._identities(collection)]
            assert ids == [str(dig(collection.item(i), recipe.identity)) for i in range(collection.size)]
            checked += 1
    assert checked >= 3


def test_listed_children_agree_with_the_parent_listing(client):
    codes = client.get("/v2/promotions/promo-9/codes?page[limit]=100").json()["data"]
    listed = [c["data"]["codes"][0]["code"] for c in codes]
    assert listed
    totals = [client.get(f"/v2/promotions/promo-9/codes/{code}/usages").json()["meta"]["results"]["total"]
              for code in listed[:5]]
    assert any(totals)  # a listed code has usages (some collections are empty by the size rule)
    assert client.get("/v2/promotions/promo-9/codes/NOT-A-CODE/usages").json()["data"] == []


@pytest.mark.parametrize("size", [0, 1, 56, 160, 170])
def test_a_listing_answered_by_arithmetic_is_the_listing(size):
    """A code's listing check inverts `unique_code(params[...], index)` instead of listing the codes
    before it: for every code of the word-and-number kind, and codes that are not, it says what
    listing the whole collection says (170 items: past them, drawn codes fall back to the scan)."""
    from mockserver.dataset import _Listing
    from mockserver.fake import unique_code

    world = create_app(seed=4).state.world
    recipe = world.by_operation_id["getPromotionCodes"]
    assert recipe.identity_index is not None
    for promo in ("promo-1", "p-9", "zz"):
        collection = world.collection_for(recipe, {"promotionID": promo}, size=size)
        listed = {str(dig(item, recipe.identity)) for item in collection.items()}
        asked = {unique_code(promo, k) for k in range(175)} | {unique_code("other", 3), "SUMMER", "NOPE10", ""}
        for code in sorted(asked):
            listing = _Listing(world._identity_source(collection), collection.size,
                               world._inverse(collection, {"promotionID": promo}))
            assert listing.find(code) == (code in listed), (promo, size, code)
            assert listing.find(code) == (code in listed)  # asked again: the set or the inverse
            if size <= 160:
                assert listing.next == 0  # decided by arithmetic, nothing listed, while all are word-and-number codes


def test_a_prefix_of_an_item_has_the_values_of_the_whole_item():
    """`Collection.prefix` (a code's first usage, the sort-index builder) stops after a field."""
    world = create_app(seed=3).state.world
    for recipe in world.recipes.values():
        params = {name: "P-" + name for name in recipe.key_params}
        collection = world.collection_for(recipe, params, size=50)
        for name in recipe.generation_order:
            for i in (0, 7, 49):
                whole, part = collection.item(i), collection.prefix(i, name)
                assert part.get(name) == whole.get(name), (recipe.id, name, i)
                assert all(part[k] == whole[k] for k in part), (recipe.id, name, i)
