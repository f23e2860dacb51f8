"""dataset.World.page: a page's items kept as one entry. A user must not be able to tell it is
there: the same items as generated one by one, a list of its own per request, bounded."""

from __future__ import annotations

from mockserver import create_app
from mockserver import dataset


def _collection(app, promotion: str = "promo-3"):
    return app.state.world.collection("getPromotionCodes", {"promotionID": promotion})


def test_a_kept_page_is_the_items_generated_one_by_one():
    world = create_app(seed=0).state.world
    codes = _collection(create_app(seed=0))
    size = codes.size
    assert size > 10
    for span in (range(0, 10), range(3, 8), range(size - 1, size - 11, -1)):
        kept = _collection(create_app(seed=0)).slice(span)
        assert kept == [world.item(codes.recipe.id, codes.key, codes.params_items, size, i) for i in span]


def test_every_caller_gets_a_list_of_its_own():
    app = create_app(seed=0)
    first = _collection(app).slice(range(0, 5))
    first.reverse()
    again = _collection(app).slice(range(0, 5))
    assert again == list(reversed(first)) and again is not first


def test_kept_pages_are_bounded_by_the_items_they_hold():
    app = create_app(seed=0)
    world = app.state.world
    world.pages.max_weight = 100  # the bound, made small enough to reach
    for k in range(60):
        collection = _collection(app, f"bounded-{k}")
        collection.slice(range(0, min(5, collection.size)))
    assert 0 < world.pages.weight <= 100 and len(world.pages.entries) < 60
    assert dataset.PAGE_ITEMS >= 1_000


def test_pinned_records_are_served_not_a_page_kept_before():
    app = create_app(seed=0)
    world = app.state.world
    before = _collection(app).slice(range(0, 3))
    pinned = {"data": {"codes": [{"code": "PINNED1"}]}}
    world.pin("getPromotionCodes", {"promotionID": "promo-3"}, [pinned], replace=True)
    after = _collection(app).slice(range(0, 1))
    assert after[0]["data"]["codes"][0]["code"] == "PINNED1" != before[0]["data"]["codes"][0]["code"]
