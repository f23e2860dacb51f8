"""Generating items faster must not change a byte of them (bench/items.py measures the speed).

The digests below were recorded from the generator before it was made faster (commit 8833d81,
with the class-label pool's fix: its Faker days depended on the wall clock):
items of every collection recipe, for several seeds and keys, in the default mode, in the `edge`
scenario and with pinned records, dumped with their key order (orjson keeps it). Any change to a
value, to the order of keys or to the order in which draws are consumed changes a digest. The
prefixes of an item (`compile_prefix`: identities, a code's first usage) must keep agreeing with
whole items; `tests/test_generator_draws.py` checks that on sized collections, this file on the
raw generator for every top-level field.

`python -m tests.test_item_speed_equivalence` prints the digests of the code at hand.
"""

from __future__ import annotations

import hashlib

import orjson
import pytest

from mockserver import create_app
from mockserver.dataset import World
from mockserver.dotted import dig
from mockserver.draws import Draws, collection_key, item_key
from mockserver.fake import Ctx

SEEDS = (0, 1, 7)
KEYS = ("P", "Q-17")  # key parameters are KEY-<name>
SIZE = 60
INDEXES = tuple(range(25)) + (59, 1000, 123_456)

RECORDED = {
    '0:entities': '9d6b5aa2f82e32abfb0e39cb791baf5d9975b3f78c331a32ed4339c488951938',
    '0:commercetools-discount-codes:queryDiscountCodes:default': '6deaef6e65b4da7277727d22274ebf4b70f3c6451f1fe9f30374840638668b94',
    '0:commercetools-discount-codes:queryDiscountCodes:edge': 'a25ae9e4f2db644bcd209a7e380d4928684d0b760f34832c9ae9dba9b14e4bf4',
    '0:elasticpath-promotions:getPromotionCodeUsages:default': 'c7d5f7cf9019aa4ef4611f9f17e8987ab5d93256ac4c27e45d4e9dad729e4999',
    '0:elasticpath-promotions:getPromotionCodeUsages:edge': '605acd0cc56239b51211190445c7012b2c6e4f5aa58989f4af5c27830e6488e8',
    '0:elasticpath-promotions:getPromotionCodes:default': '0032fb67c7a8a8294af46f836f0031f0b33d4f8a0085e290bdbbbab92c5f265c',
    '0:elasticpath-promotions:getPromotionCodes:edge': '01371f3be3e05a4b624322db33d9243ec0bf2227592f4435631d16e034e8d6ca',
    '0:nuweb:listDiscountCodes:default': '8349967c6a9653e27b016a136a40ac22caaab3558ff7fdb0bd0155ea018071de',
    '0:nuweb:listDiscountCodes:edge': 'c97c3d4c1a5b68c3ac4399acea92bf9e561aa17a00a133f6ed74613231c3a957',
    '0:ops-promotions:listPromotionUsageHistory:default': '6a6dfc955399bf1af61169b8babf60beb2c55e0dbe4afded972c470e4322fd13',
    '0:ops-promotions:listPromotionUsageHistory:edge': '0f54f660bf869b5538884bb9a32a712be963106c14497f91b8f8f3c9c595d684',
    '0:stripe-promotion-codes:listPromotionCodes:default': '3f84b953d90ee8a8ec60394b2ee818569336651da36ad1232768ee8cc7ea2a8a',
    '0:stripe-promotion-codes:listPromotionCodes:edge': '012ddbf4a763a3cccfa96f2affabe2fac72278d55d40f23d6a00cb86ff13c314',
    '0:teamup:getDiscountCodeUsesReportData:default': 'c62bf795d3999366feb3931e2d53e0116aa93b98c3dabfc5bb49ec83ffc0ea59',
    '0:teamup:getDiscountCodeUsesReportData:edge': 'e8517958730038e15ad2177e21231a5401368af078367c651661dcb856504d2e',
    '0:commercetools-discount-codes:queryDiscountCodes:pinned': '4968f4dd6b30642fdf122b7398a215485f7c70f9a62340ab06c3a3da62690ee5',
    '0:elasticpath-promotions:getPromotionCodeUsages:pinned': '72007b7b8969e3def13dce246f74595932e287e9783bdcfaa2425cf373d4a2db',
    '0:elasticpath-promotions:getPromotionCodes:pinned': '962a6d9e7d6ae11f9627a27494394a883ddaf784284f99dbbf9bf6f7f38df982',
    '0:nuweb:listDiscountCodes:pinned': 'e7774a7f39ff2da8adb2b9f0467dd9aa4e1d172389d25c0dfb0459ce30d4fce5',
    '0:ops-promotions:listPromotionUsageHistory:pinned': '59e9b5ace00bc579de8e8f9d88beaabb7c1e244433b86e61412177305fac1379',
    '0:stripe-promotion-codes:listPromotionCodes:pinned': '5789817d59f2c38d61f9694e399f0c1290aaa52169815c4592067b83a8b3a702',
    '0:teamup:getDiscountCodeUsesReportData:pinned': '211a36be974a782f697c535dfc6f5e7fd37c5a99ec796ba1fb9e87238667a905',
    '1:entities': '87534d0426406e4e76e0d85d47ccc62692efc1df729435750af28b6429ed48ac',
    '1:commercetools-discount-codes:queryDiscountCodes:default': '63e598a9f21ca7f1dd16d92a73b2581fb94010e9d50fea54d3b34d17044ef7d5',
    '1:commercetools-discount-codes:queryDiscountCodes:edge': '2d9fccb6c360c7482dbbc3d752491ccb87995fe330505ef17cee3bf444159af3',
    '1:elasticpath-promotions:getPromotionCodeUsages:default': 'cc97bc909cdf358575a8f24b916da33a3f7220b7b7322453d7955948eb579223',
    '1:elasticpath-promotions:getPromotionCodeUsages:edge': 'd29acfbf811c3a9437870862a7a4ede5dd238db0fc43a4ede23fb1aa1381f54d',
    '1:elasticpath-promotions:getPromotionCodes:default': '8f0223c8c4cbc5889cfbe40f9e700868f2721a959bf5be666f1ecce53b81071d',
    '1:elasticpath-promotions:getPromotionCodes:edge': '497e23e3e5600a4e77f75ad8c4f7d7b14c4b94badba18c7100444a272fa4c064',
    '1:nuweb:listDiscountCodes:default': '5b75fbc025f93232c12eac59318beca85504b63ad7cc99f02851638529b8c8e4',
    '1:nuweb:listDiscountCodes:edge': 'b79951555fe62d9f6244039ce060b4cad45b757fce274d997f364978c23ad13f',
    '1:ops-promotions:listPromotionUsageHistory:default': 'a5f4cda3f9c63812bb0a65b875906ee5384db7e022f673e824e302684a804a0b',
    '1:ops-promotions:listPromotionUsageHistory:edge': '26efc0316826a9ea13e2dcb7b6e2fe9b582902933e8f2e9cd7bee96cb84c0a03',
    '1:stripe-promotion-codes:listPromotionCodes:default': '6e883302514d4fcbc4967c54dd5152739ebf6defc23bea091edfd70700481b88',
    '1:stripe-promotion-codes:listPromotionCodes:edge': '33ce1019905433d50bfa78009ddbe194f34e7e1cfd8cf55a7d9cae2bfe2c9d77',
    '1:teamup:getDiscountCodeUsesReportData:default': 'bf25afc310b529c0d96a17122aa8d28e16969e3fb46cc49676bfe9ecf4c7466c',
    '1:teamup:getDiscountCodeUsesReportData:edge': 'f803ddaa2466fd15ccf595df7fb6046a6b0c97de33da74fe845c1bdac6ef8e9f',
    '1:commercetools-discount-codes:queryDiscountCodes:pinned': 'c9eaed55c808583b0efb44e356b0bbb319eb5b7e303a51c2bc4b60945ba8ed54',
    '1:elasticpath-promotions:getPromotionCodeUsages:pinned': 'e3910c99c9f28eabb011800710b4d37a14bcd1652f3955dae3c8d23154f6a118',
    '1:elasticpath-promotions:getPromotionCodes:pinned': 'e9385fa1d8f4e0f7815a233d1e6793262a4d6efee568b902a4d1415ab1f22171',
    '1:nuweb:listDiscountCodes:pinned': '9ea4b6f783c47ac39491d9b719eb3c53678be473516eb3622c1f60a57e4feacb',
    '1:ops-promotions:listPromotionUsageHistory:pinned': '4daab72b82ee789f1d5b03c35c770032345438f6ce38e0b5b8a26e7b72afed23',
    '1:stripe-promotion-codes:listPromotionCodes:pinned': '4eab05867a28f9b60c4fd3f5983c861e61710e882dd6f6a689bdb4d911a4db31',
    '1:teamup:getDiscountCodeUsesReportData:pinned': '16958805b58b761a81d3adee7f127794ddeccb80afbd54b61b90b569a62ac9d2',
    '7:entities': 'bf197606f62c5a69eb454d6336e9539098012ddca5d5eea82da8a10335f4ebfa',
    '7:commercetools-discount-codes:queryDiscountCodes:default': 'e200d6bbbe679bbf551dc2edde9dc00969cd3ba15659a1e8523e886552d220eb',
    '7:commercetools-discount-codes:queryDiscountCodes:edge': 'cd5c28dd29c391f483305b3eebffcd29b5c3f5f2425f265d745d18b8b2b24dc0',
    '7:elasticpath-promotions:getPromotionCodeUsages:default': 'a8184cc517c853c888ea16b46594e3c10068d700b898dcd1030576f63c20f09e',
    '7:elasticpath-promotions:getPromotionCodeUsages:edge': 'd8547835af3d83c3f86558e030bd8329746ee0698724ae208bececd46dab376a',
    '7:elasticpath-promotions:getPromotionCodes:default': '882f1df22182cd02530db144c4a25ecbc40b9ba4d06467aefdb81c5ede1c7255',
    '7:elasticpath-promotions:getPromotionCodes:edge': 'd8e31a9aacb880e6091888dac8cb5f8b0bab14a5624ec761f486f63408c46447',
    '7:nuweb:listDiscountCodes:default': 'cb7cfa4780b7b549494b9423ecab73e71035e045646184e2ae97aa7776fee779',
    '7:nuweb:listDiscountCodes:edge': 'fab42a27d5a7dd8b72e0dbad5a35e52a795b4ebec8d044e1aa1503e588293513',
    '7:ops-promotions:listPromotionUsageHistory:default': '17a61688b7334a1e7d22c3028bc3ecdb4ec0307e13b245ef70d5cf959459dd11',
    '7:ops-promotions:listPromotionUsageHistory:edge': '13198c4c39194e368b6acb96d053cf84cf7f9404215f5e2066647cda11d3d449',
    '7:stripe-promotion-codes:listPromotionCodes:default': '3ac84599a17d74d9c748a2c94f67799b325dccdc83eccac182dd7e6a87913688',
    '7:stripe-promotion-codes:listPromotionCodes:edge': 'cbbe6ab3ab1926ef829f9597843a41f2acc391aa8a7057882b5ec7293abf580f',
    '7:teamup:getDiscountCodeUsesReportData:default': '05ec8d45c5e1ccd3ca87c4a51226e8dc62c5de9bd76093f800b4e22fafaaffb2',
    '7:teamup:getDiscountCodeUsesReportData:edge': '7d591b899d50af7b232ae8496f58e0771d6d5dd6f16fcf174a24055b33e856bc',
    '7:commercetools-discount-codes:queryDiscountCodes:pinned': '3a835d1106f12129a111d7228578e083f64aeb17f1b7a039c3923347f35fbaf8',
    '7:elasticpath-promotions:getPromotionCodeUsages:pinned': '8b0595095e3d95f4ab369390f79b15ffc6ceda2d673e9fa63233a3a9ab2f5dbf',
    '7:elasticpath-promotions:getPromotionCodes:pinned': 'c1b78e464aee9b891ac2f79a5390f045b6e91c9fa1e54416c96d86ae4c4b1eb6',
    '7:nuweb:listDiscountCodes:pinned': '1f600d14066ac7ffa505e25d46a16861d216b0c2aadb7a5b432931053d70ea36',
    '7:ops-promotions:listPromotionUsageHistory:pinned': '19e89ebbb3c77c5eac6d348ef720b0896f14ddd9e88c6fe46f76c3b53f17e470',
    '7:stripe-promotion-codes:listPromotionCodes:pinned': 'dba20a9fc79d3823d2e45674453311c2d455690c33d836229b608a55e75ca201',
    '7:teamup:getDiscountCodeUsesReportData:pinned': '39461478bc7173400d337afe77b6cf976d88cec2069899c327b8b538f110fd5f',
}


def _dump(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str)


def _params(recipe, key: str) -> dict:
    return {name: f"{key}-{name}" for name in recipe.key_params}


def _partial(value, keep: int = 2):
    """A pinned record made from a generated one: the first fields of each object, nested objects
    completed by the generator, an element list kept as given, an unknown field carried through."""
    if isinstance(value, dict):
        out = {k: _partial(v) for k, v in list(value.items())[:keep]}
        return out
    if isinstance(value, list):
        return [_partial(v) for v in value[:1]]
    return value


def _digest_default(world: World, recipe, scenario: str = "") -> str:
    digest = hashlib.sha256()
    for key in KEYS:
        params = _params(recipe, key)
        key_t, items = recipe.key_of(params), tuple(sorted(params.items()))
        size = 101 if scenario == "edge" else SIZE
        for i in INDEXES:
            digest.update(_dump(world._generate(recipe, key_t, items, size, i, scenario)))
    return digest.hexdigest()


def _digest_pinned(world: World, recipe) -> str:
    digest = hashlib.sha256()
    params = _params(recipe, "PIN")
    key_t, items = recipe.key_of(params), tuple(sorted(params.items()))
    templates = [world._generate(recipe, key_t, items, 500, 400 + k) for k in range(3)]
    records = [_partial(t) for t in templates] + [{**_partial(templates[0], 1), "not_in_schema": [1, {"a": 2}]}]
    collection = world.pin(recipe.op.operation_id, params, records)
    for item in collection.items():
        digest.update(_dump(item))
    replaced = world.pin(recipe.op.operation_id, {**params}, records[:2], replace=True)
    for item in replaced.items():
        digest.update(_dump(item))
    return digest.hexdigest()


def _digest_entities(world: World) -> str:
    digest = hashlib.sha256()
    for spec_name, compiler in sorted(world.compilers.items()):
        for entity in sorted(compiler.entity_schemas):
            for key in (1, 2, 3):  # Currency has three
                digest.update(_dump(world.entity(spec_name, entity, key)))
    return digest.hexdigest()


def digests(seed: int) -> dict[str, str]:
    world = create_app(seed=seed).state.world
    out = {f"{seed}:entities": _digest_entities(world)}
    recipes = sorted(world.recipes.values(), key=lambda r: r.id)
    for recipe in recipes:
        out[f"{seed}:{recipe.id}:default"] = _digest_default(world, recipe)
        out[f"{seed}:{recipe.id}:edge"] = _digest_default(world, recipe, "edge")
    for recipe in recipes:  # pins last: they change what the collections above hold
        out[f"{seed}:{recipe.id}:pinned"] = _digest_pinned(world, recipe)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_items_are_byte_identical_to_the_recorded_ones(seed):
    got = digests(seed)
    want = {k: v for k, v in RECORDED.items() if k.startswith(f"{seed}:")}
    assert set(got) == set(want), "a recipe or entity came or went: record the digests again"
    assert [k for k in got if got[k] != want[k]] == []


def _ctx(world: World, recipe, params: dict, index: int) -> Ctx:
    base = collection_key(world.seed, recipe.id, *recipe.key_of(params), SIZE, "")
    return Ctx(Draws(item_key(base, index)), index, SIZE, dict(params), world.now_ms, world.seed, world)


@pytest.mark.parametrize("seed", (0, 3))
def test_every_prefix_agrees_with_the_whole_item(seed):
    """A prefix up to each top-level field (and the identity's prefix) has the whole item's values
    up to it: the same draws in the same order."""
    world = create_app(seed=seed).state.world
    for recipe in world.recipes.values():
        params = _params(recipe, "P")
        order = recipe.generation_order
        for i in (0, 1, 7, 59):
            whole = recipe.generate(_ctx(world, recipe, params, i))
            if recipe.identity_prefix is not None:
                part = recipe.identity_prefix(_ctx(world, recipe, params, i))
                assert dig(part, recipe.identity) == dig(whole, recipe.identity), (recipe.id, i)
            for at, name in enumerate(order):
                part = recipe.prefix_for(name)(_ctx(world, recipe, params, i))
                for done in order[:at + 1]:
                    assert _dump(part.get(done)) == _dump(whole.get(done)), (recipe.id, i, name, done)


def test_pools_do_not_depend_on_the_wall_clock(monkeypatch):
    """Faker's dates end at "now" unless told otherwise: a pool drawn from them changed with the clock."""
    import faker.providers.date_time as faker_dates

    from mockserver.fake import _CUSTOM_POOLS, pool

    before = {name: pool.__wrapped__(name) for name in _CUSTOM_POOLS}
    monkeypatch.setattr(faker_dates, "datetime_to_timestamp", lambda dt: 4_000_000_000)  # 2096
    assert {name: pool.__wrapped__(name) for name in _CUSTOM_POOLS} == before


if __name__ == "__main__":
    for s in SEEDS:
        for k, v in digests(s).items():
            print(f"    {k!r}: {v!r},")
